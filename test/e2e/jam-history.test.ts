import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { runImport } from '../../src/cli/import.js';
import type { EventsHandle } from '../../web/src/events/handle.js';
import { makeTone } from '../helpers/audio.js';
import { drainConsumers } from '../helpers/events.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';
import { chromiumMissing, launchBrowser, signUpInNewContext, waitForPlayerState } from './browser.js';

const PASSWORD = 'a long enough password';
/** Past 30 s heard (a qualifying stream) and then to its end, in real time: the one long wait. */
const SECONDS = 38;

interface Listener {
  name: string;
  page: Page;
  token: string;
  id: string;
}

/**
 * A Jam counts in each participant's history: the host plays a track, a member joins by the link and
 * follows, both hear it to its end, and each one's recently played lists it once (with a stream of
 * more than 30 s heard behind it).
 */
describe('Jam plays in each listener’s history', { skip: chromiumMissing }, () => {
  let server: TestServer;
  let music: string;
  let browser: Browser;
  let albumId = '';
  let trackId = '';
  const stamp = Date.now().toString(36);
  let host: Listener;
  let member: Listener;

  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
    music = await mkdtemp(join(tmpdir(), 'cadenza-e2e-jam-history-'));
    const album = join(music, 'The Crowd', 'Shared Air');
    await mkdir(album, { recursive: true });
    await makeTone(join(album, '01 Together.flac'), {
      seconds: SECONDS,
      frequency: 520,
      levelDb: -12,
      tags: { title: 'Together', artist: 'The Crowd', album_artist: 'The Crowd', album: 'Shared Air', track: '1' },
    });
    const report = await runImport(server.services, music, { json: true, transcode: 'eager' });
    assert.equal(report.failed.length, 0, JSON.stringify(report.failed));
    const rows = await sql<{ id: string; album_id: string }>`
      select id, album_id from tracks where name = 'Together'`.execute(server.services.database.db);
    trackId = rows.rows[0]!.id;
    albumId = rows.rows[0]!.album_id;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (music) await rm(music, { recursive: true, force: true });
  });

  async function signUp(name: string): Promise<Listener> {
    const { page } = await signUpInNewContext(browser, server.url, name, PASSWORD);
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('cadenza.session')!).accessToken as string);
    const me = await server.json('/v1/me', { token });
    return { name, page, token, id: me.body.id };
  }

  /** A check of the player state: it plays Together (and `more`). */
  const together = (more = '') =>
    `s.status === 'playing' && s.queue[s.index]?.id === ${JSON.stringify(trackId)}${more ? ` && ${more}` : ''}`;

  /** Sends what the page's outbox holds and waits until it is empty (IndexedDB answers asynchronously). */
  async function sendEvents(page: Page): Promise<void> {
    const size = () => page.evaluate(() => (window.cadenzaEvents as EventsHandle).store.size());
    const deadline = Date.now() + 15_000;
    await page.evaluate(() => (window.cadenzaEvents as EventsHandle).outbox.flush());
    while ((await size()) > 0) {
      assert.ok(Date.now() < deadline, 'the outbox never emptied');
      await page.evaluate(() => (window.cadenzaEvents as EventsHandle).outbox.flush());
    }
  }

  it('the host plays a track and starts a Jam; a member joins by its link and follows', async () => {
    host = await signUp(`jamhost${stamp}`);
    member = await signUp(`jammember${stamp}`);
    await server.services.accounts.setProduct(host.name, 'premium');

    const { page } = host;
    await page.goto(`${server.url}/album/${albumId}`);
    const row = page.locator('tr[data-track-id]', { hasText: 'Together' }).first();
    await row.hover();
    await row.getByRole('button', { name: 'Play Together', exact: true }).click();
    await waitForPlayerState(page, together());

    await page.getByTestId('now-playing').getByRole('link', { name: 'Queue' }).click();
    await page.getByRole('link', { name: 'Start a Jam' }).click();
    await page.getByRole('button', { name: 'Start a Jam' }).click();
    await page.getByTestId('jam').waitFor();
    const code = (await page.getByTestId('jam-code').textContent()) ?? '';
    assert.match(code, /^[A-Z0-9]{6}$/);

    await member.page.goto(`${server.url}/jam/${code}`);
    await member.page.getByRole('heading', { name: `${host.name}’s Jam` }).waitFor();
    await member.page.getByRole('button', { name: 'Join Jam' }).click();
    await member.page.getByTestId('jam').waitFor();
    await waitForPlayerState(member.page, together());
  });

  it('the member hears it past 30 s and to its end; each one’s recently played lists it once', async () => {
    await waitForPlayerState(member.page, together('s.positionMs > 31000'), (SECONDS + 10) * 1000);
    // Both hear it to its end (whatever follows, it is no longer this track playing).
    for (const { page } of [member, host]) {
      await waitForPlayerState(page, `!(${together()}) || s.positionMs >= s.durationMs - 50`, 20_000);
      await waitForPlayerState(page, `!(${together()})`, 20_000);
    }
    // The Jam has moved on too (until then a member's player could start the ended track again).
    for (const { page } of [member, host]) {
      await page.waitForFunction(
        (id) => {
          const playback = window.__cadenzaJam?.jam()?.playback;
          return !!playback && !(playback.is_playing && playback.track?.id === id);
        },
        trackId,
        { timeout: 20_000 },
      );
    }
    await Promise.all([sendEvents(member.page), sendEvents(host.page)]);
    await drainConsumers(server.services);

    for (const who of [member, host]) {
      const recent = await server.json('/v1/me/player/recently-played?limit=50', { token: who.token });
      assert.equal(recent.status, 200);
      const played = recent.body.items.filter((i: { track: { id: string } }) => i.track.id === trackId);
      assert.equal(
        played.length,
        1,
        `${who.name}’s recently played lists Together once: ${JSON.stringify(recent.body.items.map((i: { track: { name: string }; played_at: string }) => [i.track.name, i.played_at]))}`,
      );
      const plays = await server.services.database.pool.query(
        'select listened_ms from plays where user_id = $1 and track_id = $2',
        [who.id, trackId],
      );
      assert.equal(plays.rows.length, 1, `${who.name} has one play of Together`);
      assert.ok(plays.rows[0].listened_ms >= 30_000, `${who.name} heard ${plays.rows[0].listened_ms} ms of it`);
    }
  });
});
