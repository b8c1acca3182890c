import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { runImport } from '../../src/cli/import.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';
import {
  chromiumMissing,
  launchBrowser,
  longestQuietRun,
  screenshot,
  startRecording,
  stopRecording,
  toneAmplitude,
  waitForPlayerState,
} from './browser.js';
import { makeFixtures, TONE_SECONDS } from './player-fixtures.js';

/**
 * A lazy library played in the web player before any rung of it exists: no background ladder runs in
 * this server (its worker is stopped), so every rung the player streams is made on its first request.
 */
describe('a lazy library in the web player, before its ladder exists', { skip: chromiumMissing }, () => {
  let server: TestServer;
  let music: string;
  let browser: Browser;
  let page: Page;
  /** Every audio response: the rung and the Content-Range it was answered with. */
  const ranges: { url: string; quality: string; contentRange: string }[] = [];
  let report: Awaited<ReturnType<typeof runImport>>;

  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
    await server.services.worker.stop();
    music = await mkdtemp(join(tmpdir(), 'cadenza-e2e-lazy-'));
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
    page.on('response', (response) => {
      const match = /\/audio\/\w+\/\w+\/(\w+)\?/.exec(response.url());
      if (match) {
        ranges.push({
          url: response.url(),
          quality: match[1]!,
          contentRange: response.headers()['content-range'] ?? '',
        });
      }
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (music) await rm(music, { recursive: true, force: true });
  });

  const waitForState = (check: string, timeout?: number) => waitForPlayerState(page, check, timeout);
  const state = () => page.evaluate(() => window.cadenza!.player.getState());

  /** Every object the audio folder holds now, by file name (`source.json` pointers excepted). */
  async function objects(): Promise<string[]> {
    const root = server.services.paths.audio;
    const found: string[] = [];
    for (const track of await readdir(root).catch(() => [] as string[])) {
      for (const version of await readdir(join(root, track)).catch(() => [] as string[])) {
        for (const name of await readdir(join(root, track, version))) if (name !== 'source.json') found.push(name);
      }
    }
    return found;
  }

  it('plays a track imported a moment ago: its rung is made while it starts', async () => {
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Username').fill(`lazy${Date.now().toString(36)}`);
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    // The library is empty: the "Pick some genres" step passes straight on to Home.
    await page.waitForURL((url) => url.pathname === '/');

    await makeFixtures(music);
    report = await runImport(server.services, music, { json: true });
    assert.equal(report.failed.length, 0, JSON.stringify(report.failed));
    assert.deepEqual(await objects(), [], 'no rung exists after a lazy import');
    // The search index follows the catalogue within moments; Home lists the album once it is visible.
    await page.reload();
    await page.getByRole('list', { name: 'New releases' }).getByText('Tone Poems').waitFor();

    // Typed again if the first answer came before the search index had the album.
    const album = page.getByTestId('best-match').getByRole('link', { name: 'Tone Poems' });
    for (let attempt = 0; ; attempt++) {
      await page.getByRole('searchbox', { name: 'Search' }).fill('');
      await page.getByRole('searchbox', { name: 'Search' }).fill('tone poems');
      const found = await album.waitFor({ timeout: 5000 }).then(
        () => true,
        () => false,
      );
      if (found || attempt === 3) break;
    }
    await album.click();
    await page.getByRole('heading', { name: 'Tone Poems', level: 1 }).waitFor();
    const row = page.locator('tr[data-track-id]', { hasText: 'First Light' }).first();
    await row.hover();
    await row.getByRole('button', { name: 'Play First Light', exact: true }).click();
    await page.getByTestId('now-playing').and(page.locator('[data-status="playing"]')).waitFor();
    await page
      .getByTestId('elapsed')
      .filter({ hasText: /0:0[2-9]/ })
      .waitFor({ timeout: 10_000 });
    await screenshot(page, 'lazy-now-playing');
    // An 8-second tone's rung is smaller than the first range, so it is answered once complete.
    assert.ok(
      ranges.some((r) => r.quality === 'vorbis_160'),
      `the player streamed the 160 kbps rung: ${JSON.stringify(ranges)}`,
    );
    assert.ok((await objects()).includes('vorbis_160.ogg'), 'the rung was made on request and kept');
  });

  it('moves gaplessly into the next track, whose rung is made on the way', async () => {
    // A listener who reaches the end of a track has heard it: by then the player has asked for the next
    // track's start, and that request has set its rung in making. Jumping to the end before the request
    // is answered would race the encoder against the last 2.5 s instead.
    const next = (await state()).queue[1]!.id;
    await eventually(async () => ranges.some((r) => r.url.includes(next)), 30_000, "the next track's first range");
    await page.evaluate((ms) => window.cadenza!.player.seek(ms), (TONE_SECONDS - 2.5) * 1000);
    await page.waitForTimeout(500);
    await startRecording(page);
    await waitForState('s.index === 1 && s.positionMs > 1500');
    const { samples, rate } = await stopRecording(page);
    const quiet = longestQuietRun(samples, 0.002);
    const silence = `longest silence ${((quiet.length / rate) * 1000).toFixed(2)} ms at ${(quiet.at / rate).toFixed(3)} s of ${(samples.length / rate).toFixed(3)} s`;
    assert.ok(quiet.length < 0.005 * rate, silence);
    const span = Math.round(rate / 20);
    assert.ok(toneAmplitude(samples, 0, span, 440, rate) > 0.1, 'first track at the start of the recording');
    assert.ok(toneAmplitude(samples, samples.length - span, span, 660, rate) > 0.1, 'second track at the end');
  });

  it('switches to another rung in the middle of a track without a gap, both made on request', async () => {
    const long = report.tracks.find((t) => t.title === 'Long Horizon')!;
    // The track's first range waits until the preference is lowered: what the player had chosen by then
    // comes from the starting rung, the rest from the lowest one. The recording spans the seam.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = false;
    let heldRequest: () => void = () => {};
    const requested = new Promise<void>((resolve) => {
      heldRequest = resolve;
    });
    await page.route(`**/audio/${long.id}/**`, async (route) => {
      if (!held) {
        held = true;
        heldRequest();
        await released;
      }
      await route.continue().catch(() => undefined);
    });
    const item = { id: long.id, title: long.title, artists: 'Static Field', durationMs: 180_000 };
    void page.evaluate((entry) => window.cadenza!.player.playQueue([entry]), item);
    const waited = await Promise.race([requested.then(() => true), new Promise((r) => setTimeout(r, 20_000, false))]);
    assert.ok(
      waited,
      `the track's first range was never asked for: ${JSON.stringify({ ranges, state: await state() })}`,
    );
    // Through the settings screen, as a listener would (the app keeps the preference and applies it).
    await page.getByRole('button', { name: 'Playback settings' }).click();
    await page.getByRole('combobox', { name: 'Streaming quality' }).selectOption('low');
    await page.keyboard.press('Escape');
    // The preference reaches the engine with the app's next render: the track goes on only after it has.
    await waitForState(`s.settings.quality === 'low'`);
    // Where the lower rung starts on the track: everything scheduled when the player chooses it (it says
    // so before fetching) is still the first rung.
    await page.evaluate(() => {
      const player = window.cadenza!.player;
      const marks = window as unknown as { switchAtMs?: number };
      player.subscribe((s) => {
        if (s.quality === 'vorbis_24' && marks.switchAtMs === undefined) marks.switchAtMs = s.positionMs + s.bufferedMs;
      });
    });
    release();
    await waitForState(`s.status === 'playing' && s.quality === 'vorbis_24'`, 30_000);
    const startRung = ranges.filter((r) => r.url.includes(long.id))[0]!.quality;
    assert.notEqual(startRung, 'vorbis_24', 'the track started above the lowest rung');
    const switchAt = await page.evaluate(() => (window as unknown as { switchAtMs: number }).switchAtMs);
    await waitForState(`s.positionMs > ${switchAt - 1500}`, switchAt + 30_000);
    await startRecording(page);
    await waitForState(`s.positionMs > ${switchAt + 1500}`, 30_000);
    const { samples, rate } = await stopRecording(page);
    await page.unroute(`**/audio/${long.id}/**`);
    await page.evaluate(() => window.cadenza!.player.pause());
    const mine = ranges.filter((r) => r.url.includes(long.id));
    const seen = JSON.stringify(mine.map((r) => [r.quality, r.contentRange]));
    assert.equal((await state()).quality, 'vorbis_24', `the player moved to the lowest rung: ${seen}`);
    const quiet = longestQuietRun(samples, 0.002);
    assert.ok(quiet.length < 0.005 * rate, `longest silence ${((quiet.length / rate) * 1000).toFixed(2)} ms`);
    assert.match(mine.find((r) => r.quality === startRung)!.contentRange, /\/\*$/, 'the first rung was being made');
    assert.match(mine.find((r) => r.quality === 'vorbis_24')!.contentRange, /\/\*$/, 'so was the second');
  });
});
