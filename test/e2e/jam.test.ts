import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { runImport } from '../../src/cli/import.js';
import type { JamSample } from '../../web/src/jam/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';
import { chromiumMissing, launchBrowser, screenshot, signUpInNewContext, waitForPlayerState } from './browser.js';
import { makeFixtures } from './player-fixtures.js';

const PASSWORD = 'a long enough password';
/** The bound: each member's audio within 50 ms of the host's. */
const BOUND_MS = 50;

interface Listener {
  name: string;
  context: BrowserContext;
  page: Page;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;

describe('Jam in Chromium: three listeners in sync', { skip: chromiumMissing }, () => {
  let server: TestServer;
  let music: string;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  const listeners: Listener[] = [];
  let link = '';

  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
    music = await mkdtemp(join(tmpdir(), 'cadenza-e2e-jam-'));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (music) await rm(music, { recursive: true, force: true });
  });

  const host = () => listeners[0]!;
  const guestA = () => listeners[1]!;
  const guestB = () => listeners[2]!;

  async function signUp(name: string): Promise<Listener> {
    const { context, page } = await signUpInNewContext(browser, server.url, name, PASSWORD);
    await page.waitForURL((url) => url.pathname === '/');
    return { name, context, page };
  }

  /** One reading of a page's audio (its position heard at one instant, on the server's clock). */
  const sample = (page: Page) => page.evaluate(() => window.__cadenzaJam!.sample());

  /**
   * How far a member's audio is from the host's (ms, positive when ahead), from readings taken at
   * (nearly) the same moment: the host's position is carried to the member's instant of reading. The
   * pages share this machine's clock, so the instants are compared on it, not on each page's estimate
   * of the server's clock (an error in that estimate would shift both a member's audio and its
   * reading, and go unseen).
   */
  function offset(member: JamSample, hostAt: JamSample): number | undefined {
    if (!member.playing || !hostAt.playing || member.trackId !== hostAt.trackId) return undefined;
    if (member.positionMs === null || hostAt.positionMs === null) return undefined;
    return member.positionMs - (hostAt.positionMs + (member.pageMs - hostAt.pageMs));
  }

  /** Readings of every page at the same instants: the members' offsets from the host. */
  async function measure(members: Page[], rounds: number, gapMs: number): Promise<number[][]> {
    const offsets: number[][] = members.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const [h, ...rest] = await Promise.all([sample(host().page), ...members.map(sample)]);
      rest.forEach((m, i) => {
        const off = offset(m, h!);
        if (off !== undefined) offsets[i]!.push(off);
      });
      await host().page.waitForTimeout(gapMs);
    }
    return offsets;
  }

  /** Waits until a member plays the host's track within `BOUND_MS` of it, three readings in a row. */
  async function waitInSync(member: Page, timeout = 20_000): Promise<void> {
    const deadline = Date.now() + timeout;
    let streak = 0;
    let last: number | undefined;
    while (streak < 3) {
      if (Date.now() > deadline) throw new Error(`never within ${BOUND_MS} ms of the host (last offset ${last})`);
      const [h, m] = await Promise.all([sample(host().page), sample(member)]);
      last = offset(m, h);
      streak = last !== undefined && Math.abs(last) < BOUND_MS ? streak + 1 : 0;
      await member.waitForTimeout(100);
    }
  }

  /** Where the server held the host to be at each jam.state, against the host's audio then (the members follow it). */
  async function printHeld(): Promise<void> {
    const errors = await host().page.evaluate(() => window.__cadenzaJam!.heldErrors());
    console.log(
      `# positions held for the host minus its audio, per jam.state (ms): ${errors.map((e) => e.toFixed(1)).join(' ')}`,
    );
  }

  function report(label: string, offsets: number[]): { p50: number; p99: number; worst: number } {
    const abs = offsets.map(Math.abs).sort((a, b) => a - b);
    const stats = { p50: quantile(abs, 0.5), p99: quantile(abs, 0.99), worst: abs.at(-1) ?? Number.NaN };
    const mean = offsets.reduce((a, b) => a + b, 0) / offsets.length;
    console.log(
      `# jam sync ${label}: ${offsets.length} readings, |offset| p50 ${stats.p50.toFixed(2)} ms, ` +
        `p99 ${stats.p99.toFixed(2)} ms, worst ${stats.worst.toFixed(2)} ms (mean signed ${mean.toFixed(2)} ms)`,
    );
    if (process.env.JAM_DEBUG) console.log(offsets.map((o) => o.toFixed(1)).join(' '));
    return stats;
  }

  it('a premium host starts a Jam while playing; two listeners join by its link and hear it in sync', async () => {
    for (const who of ['host', 'guesta', 'guestb']) listeners.push(await signUp(`${who}${stamp}`));
    await server.services.accounts.setProduct(host().name, 'premium');
    await makeFixtures(music);
    const imported = await runImport(server.services, music, { json: true, transcode: 'eager' });
    assert.equal(imported.failed.length, 0, JSON.stringify(imported.failed));

    // The host plays the long track (three minutes of noise) from search results.
    const { page } = host();
    const row = page.locator('tr[data-track-id]', { hasText: 'Long Horizon' }).first();
    for (let attempt = 0; ; attempt++) {
      await page.goto(`${server.url}/search/long%20horizon`);
      if (
        await row.waitFor({ timeout: 5000 }).then(
          () => true,
          () => false,
        )
      )
        break;
      if (attempt === 5) throw new Error('the search index never found Long Horizon');
    }
    await row.hover();
    await row.getByRole('button', { name: 'Play Long Horizon', exact: true }).click();
    await waitForPlayerState(page, `s.status === 'playing' && s.positionMs > 500`);

    // From the queue screen (the audio keeps playing: the app navigates without a reload).
    await page.getByTestId('now-playing').getByRole('link', { name: 'Queue' }).click();
    await page.getByRole('link', { name: 'Start a Jam' }).click();
    await page.getByRole('heading', { name: 'Start a Jam' }).waitFor();
    await screenshot(page, 'jam-start');
    await page.getByRole('button', { name: 'Start a Jam' }).click();
    await page.getByTestId('jam').waitFor();
    const code = (await page.getByTestId('jam-code').textContent()) ?? '';
    assert.match(code, /^[A-Z0-9]{6}$/);
    link = `/jam/${code}`;

    for (const guest of [guestA(), guestB()]) {
      await guest.page.goto(`${server.url}${link}`);
      await guest.page.getByRole('heading', { name: `${host().name}’s Jam` }).waitFor();
      await guest.page.getByRole('button', { name: 'Join Jam' }).click();
      await guest.page.getByTestId('jam').waitFor();
    }
    // Everyone sees everyone, and the host's track playing.
    for (const l of listeners) {
      const members = l.page.getByRole('list', { name: 'Jam members' });
      for (const other of listeners) await members.getByText(other.name, { exact: true }).waitFor();
      await l.page.locator('.jam-now[data-status="playing"]', { hasText: 'Long Horizon' }).waitFor();
    }
    await screenshot(guestA().page, 'jam-member');

    await waitInSync(guestA().page);
    await waitInSync(guestB().page);
    const [a, b] = await measure([guestA().page, guestB().page], 80, 100);
    assert.ok(a!.length >= 60 && b!.length >= 60, `enough readings while all played (${a!.length}, ${b!.length})`);
    const all = report('two members vs host', [...a!, ...b!]);
    report('member A', a!);
    report('member B', b!);
    const clocks = await Promise.all(listeners.map((l) => sample(l.page)));
    console.log(`# jam clock estimates (server − page, ms): ${clocks.map((c) => c.offsetMs?.toFixed(2)).join(', ')}`);
    console.log(`# their round trips (ms): ${clocks.map((c) => c.rttMs?.toFixed(2)).join(', ')}`);
    // Where the server holds the host to be, against where the host's audio is: the members follow the former.
    const held = await host().page.evaluate(() => ({
      s: window.__cadenzaJam!.sample(),
      jam: window.__cadenzaJam!.jam(),
    }));
    const playback = held.jam!.playback;
    const stale = playback.position_ms + (held.s.serverMs - playback.server_ms) - (held.s.positionMs ?? 0);
    console.log(`# the host's position as the server holds it is ${stale.toFixed(1)} ms off its audio`);
    await printHeld();
    assert.ok(all.p99 < BOUND_MS, `p99 offset ${all.p99.toFixed(2)} ms is under ${BOUND_MS} ms`);
  });

  it('anyone in the Jam adds to the shared queue and everyone sees it', async () => {
    const { page, name } = guestB();
    // The entry B added, told apart from the same song in the host's own up-next (autoplay may hold it).
    const added = (l: Listener) =>
      l.page
        .getByRole('list', { name: 'Jam queue' })
        .getByRole('listitem')
        .filter({ hasText: 'Second Wind' })
        .filter({ hasText: `Added by ${name}` });
    await page.getByRole('searchbox', { name: 'Search songs to add to the Jam' }).fill('second wind');
    await page.getByRole('button', { name: 'Add Second Wind to the Jam' }).click();
    for (const l of listeners) await added(l).first().waitFor();
    await screenshot(host().page, 'jam-host');
  });

  it('a member who drops (closes the page) and comes back catches up with the host', async () => {
    const dropped = guestB();
    await dropped.page.close();
    // The host plays on without them for a while.
    await host().page.waitForTimeout(3000);
    const page = await dropped.context.newPage();
    page.on('pageerror', (error) => console.error(`${dropped.name} page error:`, error.message));
    dropped.page = page;
    await page.goto(`${server.url}/jam`);
    await page.getByTestId('jam').waitFor();
    // A new page may not start audio by itself (browsers want a click): it offers to play along.
    await page.getByRole('button', { name: 'Play along' }).click();
    await waitInSync(page);
    const [back] = await measure([page], 30, 100);
    const stats = report('member back after a drop', back!);
    await printHeld();
    assert.ok(back!.length >= 20, 'readings while playing');
    assert.ok(stats.p99 < BOUND_MS, `p99 offset ${stats.p99.toFixed(2)} ms after coming back`);
  });

  it('a pause on the host pauses every member; its resume resumes them in sync', async () => {
    const bar = host().page.getByTestId('now-playing');
    await bar.getByRole('button', { name: 'Pause', exact: true }).click();
    for (const guest of [guestA(), guestB()]) await waitForPlayerState(guest.page, `s.status === 'paused'`, 5000);
    const still = await sample(guestA().page);
    await guestA().page.waitForTimeout(500);
    const later = await sample(guestA().page);
    assert.ok(Math.abs((later.positionMs ?? 0) - (still.positionMs ?? 0)) < 1, 'a paused member’s audio stands still');

    await bar.getByRole('button', { name: 'Play', exact: true }).click();
    for (const guest of [guestA(), guestB()]) {
      await waitForPlayerState(guest.page, `s.status === 'playing'`, 5000);
      await waitInSync(guest.page);
    }
    const [a, b] = await measure([guestA().page, guestB().page], 20, 100);
    const stats = report('after pause and resume', [...a!, ...b!]);
    await printHeld();
    assert.ok(stats.p99 < BOUND_MS, `p99 offset ${stats.p99.toFixed(2)} ms after the resume`);
  });

  it('a small seek back on the host is followed at once', async () => {
    const page = host().page;
    const at = (await sample(page)).positionMs ?? 0;
    const sampled = Date.now();
    assert.ok(at > 2000, `the host plays (at ${at} ms)`);
    // Half a second back, as the bar's slider moved by a key press does it.
    await page
      .getByTestId('now-playing')
      .getByRole('slider', { name: 'Seek' })
      .evaluate(
        (input: HTMLInputElement, to) => {
          Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, String(to));
          input.dispatchEvent(new Event('input', { bubbles: true }));
        },
        Math.round(at + 200 - 500),
      );
    // The host's audio has moved back (the members' readings count from here).
    await waitForPlayerState(
      page,
      `s.status === 'playing' && s.positionMs < ${at} + (Date.now() - ${sampled}) - 250`,
      5000,
    );
    for (const guest of [guestA(), guestB()]) await waitInSync(guest.page, 5000);
    const [a, b] = await measure([guestA().page, guestB().page], 20, 100);
    const stats = report('after a small seek back', [...a!, ...b!]);
    assert.ok(stats.p99 < BOUND_MS, `p99 offset ${stats.p99.toFixed(2)} ms after the seek`);
  });
});
