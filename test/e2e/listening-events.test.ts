import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page, Route } from 'playwright-core';
import { runImport } from '../../src/cli/import.js';
import type { EventsHandle } from '../../web/src/events/handle.js';
import { makeTone } from '../helpers/audio.js';
import { drainConsumers } from '../helpers/events.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';
import { chromiumMissing, launchBrowser, screenshot, waitForPlayerState } from './browser.js';

/** Long enough to qualify as a stream (30 s heard), no longer: the test waits for it in real time. */
const WHOLE_SECONDS = 31;

/** An album of two tones: a short one the listener skips, then one played to its end. */
async function makeAlbum(root: string): Promise<void> {
  const folder = join(root, 'The Counters', 'Tally');
  await mkdir(folder, { recursive: true });
  const tags = { artist: 'The Counters', album_artist: 'The Counters', album: 'Tally', date: '2026-05-01' };
  await makeTone(join(folder, '01 Quick Look.flac'), {
    seconds: 12,
    frequency: 523,
    tags: { ...tags, title: 'Quick Look', track: '1' },
  });
  await makeTone(join(folder, '02 Whole Song.flac'), {
    seconds: WHOLE_SECONDS,
    frequency: 392,
    tags: { ...tags, title: 'Whole Song', track: '2' },
  });
}

interface EventsAnswer {
  accepted: number;
  duplicates: number;
  rejected: unknown[];
}

describe('listening events from the web player', { skip: chromiumMissing }, () => {
  let server: TestServer;
  let music: string;
  let browser: Browser;
  let page: Page;

  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
    music = await mkdtemp(join(tmpdir(), 'cadenza-events-e2e-'));
    await makeAlbum(music);
    const report = await runImport(server.services, music, { json: true, transcode: 'eager' });
    assert.equal(report.failed.length, 0, JSON.stringify(report.failed));
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (music) await rm(music, { recursive: true, force: true });
  });

  const waitForState = (check: string, timeout?: number) => waitForPlayerState(page, check, timeout);
  const outboxSize = () => page.evaluate(() => (window.cadenzaEvents as EventsHandle).store.size());
  /** Waits until the page's outbox holds `n` events (IndexedDB answers asynchronously: polled from here). */
  const outboxHolds = async (n: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let size = await outboxSize();
    while (size !== n && Date.now() < deadline) {
      await page.waitForTimeout(100);
      size = await outboxSize();
    }
    assert.equal(size, n, 'events waiting in the outbox');
  };

  it('counts one play past 30 s and one early skip exactly once, through lost answers and a reload', async () => {
    const username = `counter${Date.now().toString(36)}`;
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await server.services.accounts.setProduct(username, 'premium');

    // The first batch reaches the server but its answer is lost; every later send fails outright.
    let lostBatch: string[] = [];
    let attempts = 0;
    const flaky = async (route: Route) => {
      attempts++;
      if (lostBatch.length === 0) {
        lostBatch = (route.request().postDataJSON() as { events: { id: string }[] }).events.map((e) => e.id);
        await route.fetch();
      }
      await route.abort('internetdisconnected');
    };
    await page.route('**/v1/me/events', flaky);

    await page.getByRole('searchbox', { name: 'Search' }).fill('tally');
    await page.getByTestId('best-match').getByRole('link', { name: 'Tally' }).click();
    await page.getByRole('heading', { name: 'Tally', level: 1 }).waitFor();
    const row = page.locator('tr[data-track-id]', { hasText: 'Quick Look' });
    await row.hover();
    await row.getByRole('button', { name: 'Play Quick Look', exact: true }).click();
    await waitForState(`s.queue[s.index].title === 'Quick Look' && s.status === 'playing' && s.positionMs > 2500`);
    await page.getByRole('region', { name: 'Now playing' }).getByRole('button', { name: 'Next' }).click();
    await waitForState(`s.queue[s.index].title === 'Whole Song' && s.status === 'playing'`);
    // The one long wait: a stream qualifies at 30 s heard, and the server checks that 30 s passed.
    await waitForState(`s.status === 'paused' && s.positionMs >= s.durationMs - 50`, (WHOLE_SECONDS + 15) * 1000);

    // play_start + skip of the first track; play_start, progress at 30 s and complete of the second.
    await outboxHolds(5, 5_000);
    assert.ok(lostBatch.length > 0 && attempts > 1, `tries so far: ${attempts}`);

    // Requests a page sends as it unloads (keepalive) bypass the route: the server itself fails them.
    const { events } = server.services;
    events.accept = async () => {
      throw new Error('intake is down for this test');
    };
    await page.reload();
    await page.getByTestId('now-playing').and(page.locator('[data-status="paused"]')).waitFor();
    assert.equal(await outboxSize(), 5, 'the unanswered events are still there after the reload');
    await page.getByRole('heading', { name: 'Tally', level: 1 }).waitFor();
    await screenshot(page, 'listening-events-reloaded');

    const answers: Promise<EventsAnswer>[] = [];
    page.on('response', (response) => {
      if (response.url().endsWith('/v1/me/events')) answers.push(response.json() as Promise<EventsAnswer>);
    });
    await page.unroute('**/v1/me/events', flaky);
    Reflect.deleteProperty(events, 'accept');
    await outboxHolds(0, 15_000);
    assert.deepEqual(await Promise.all(answers), [{ accepted: 5, duplicates: lostBatch.length, rejected: [] }]);

    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('cadenza.session')!).accessToken as string);
    await drainConsumers(server.services);
    const recent = await server.json('/v1/me/player/recently-played', { token });
    assert.deepEqual(
      recent.body.items.map((i: { track: { name: string }; context: { type: string } | null }) => [
        i.track.name,
        i.context?.type,
      ]),
      [
        ['Whole Song', 'album'],
        ['Quick Look', 'album'],
      ],
    );
    const top = await server.json('/v1/me/top/tracks?time_range=short_term', { token });
    assert.deepEqual(
      top.body.items.map((t: { name: string }) => t.name),
      ['Whole Song', 'Quick Look'],
    );
    const ids = Object.fromEntries(
      recent.body.items.map((i: { track: { name: string; id: string } }) => [i.track.name, i.track.id]),
    );
    // One play started each: 100 · ln(2) / ln(10,001) rounds to 8 (two plays would make 12).
    for (const name of ['Whole Song', 'Quick Look']) {
      const track = await server.json(`/v1/tracks/${ids[name]}`, { token });
      assert.equal(track.body.popularity, 8, `${name} popularity`);
    }

    const { pool } = server.services.database;
    const me = await server.json('/v1/me', { token });
    const logged = await pool.query('select count(*)::int as n from event_log_ids where id like $1', [
      `${me.body.id}:%`,
    ]);
    assert.equal(logged.rows[0].n, 5, 'the log holds each event once');
    const plays = await pool.query(
      'select track_id, listened_ms from plays where user_id = $1 order by listened_ms desc',
      [me.body.id],
    );
    assert.deepEqual(
      plays.rows.map((r) => r.track_id),
      [ids['Whole Song'], ids['Quick Look']],
    );
    assert.ok(plays.rows[0].listened_ms >= 30_000, `heard ${plays.rows[0].listened_ms} ms of the whole song`);
    assert.ok(plays.rows[1].listened_ms < 10_000, `heard ${plays.rows[1].listened_ms} ms of the skipped one`);
    const tally = await pool.query(
      `select k.track_id, t.premium::int, t.free::int from royalty_stream_tallies t
       join royalty_track_keys k on k.key = t.track_key`,
    );
    assert.deepEqual(tally.rows, [{ track_id: ids['Whole Song'], premium: 1, free: 0 }]);
    console.log(
      `# listening events: ${attempts} failed tries before the reload, then one batch: accepted 5, duplicates ${lostBatch.length}`,
    );
  });

  it('two tabs flushing at once send each event once', async () => {
    const second = await page.context().newPage();
    await second.goto(server.url);
    await second.waitForFunction(() => window.cadenzaEvents !== undefined);
    const sent: string[] = [];
    for (const tab of [page, second]) {
      tab.on('request', (request) => {
        if (request.url().endsWith('/v1/me/events')) {
          sent.push(...(request.postDataJSON() as { events: { id: string }[] }).events.map((e) => e.id));
        }
      });
    }
    const trackId = await page.locator('tr[data-track-id]').first().getAttribute('data-track-id');
    const record = (tab: Page, prefix: string) =>
      tab.evaluate(
        async ({ prefix, trackId }) => {
          const { outbox } = window.cadenzaEvents as EventsHandle;
          const ids = Array.from({ length: 30 }, (_, i) => `${prefix}${i}`);
          await Promise.all(
            ids.map((id) =>
              outbox.record({
                id,
                type: 'progress',
                track_id: trackId,
                device_id: 'web-two-tabs',
                position_ms: 1_000,
                timestamp: Date.now(),
              }),
            ),
          );
          return ids;
        },
        { prefix, trackId: trackId! },
      );
    const ids = [...(await record(page, 'tabA')), ...(await record(second, 'tabB'))];
    await Promise.all(
      [page, second, page, second].map((tab) =>
        tab.evaluate(() => (window.cadenzaEvents as EventsHandle).outbox.flush()),
      ),
    );
    await outboxHolds(0, 10_000);
    await page.waitForTimeout(2_500); // a send either tab scheduled on its own would be seen by now
    assert.deepEqual([...sent].sort(), [...ids].sort(), 'every event sent, none twice');
    await second.close();
  });
});
