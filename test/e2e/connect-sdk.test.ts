import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SpotifyApi } from '@spotify/web-api-ts-sdk';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { runImport } from '../../src/cli/import.js';
import { makeTone } from '../helpers/audio.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';
import { chromiumMissing, launchBrowser, waitForPlayerState } from './browser.js';

const PASSWORD = 'a long enough password';
/** Four steady tones a minute long: long enough that nothing ends while the SDK drives the player. */
const TONES = ['Alpha', 'Bravo', 'Charlie', 'Delta'];
const SECONDS = 60;

/**
 * Spotify's own TypeScript SDK, pointed at Cadenza through its `fetch` option, drives the web player
 * open in Chromium as a Connect device through the whole player family; after each call the test
 * looks at what the listener would notice in the browser: the engine's state and the now-playing bar.
 */
describe('the Spotify SDK drives the web player in Chromium', { skip: chromiumMissing }, () => {
  let server: TestServer;
  let music: string;
  let browser: Browser;
  let page: Page;
  let sdk: SpotifyApi;
  let deviceId = '';
  let albumId = '';
  /** Track ids by title. */
  const ids: Record<string, string> = {};
  const username = `sdk${Date.now().toString(36)}`;

  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
    music = await mkdtemp(join(tmpdir(), 'cadenza-e2e-sdk-'));
    const album = join(music, 'The Alphabet', 'Long Tones');
    await mkdir(album, { recursive: true });
    for (const [i, title] of TONES.entries()) {
      await makeTone(join(album, `0${i + 1} ${title}.flac`), {
        seconds: SECONDS,
        frequency: 330 + 110 * i,
        levelDb: -12,
        tags: {
          title,
          artist: 'The Alphabet',
          album_artist: 'The Alphabet',
          album: 'Long Tones',
          track: String(i + 1),
        },
      });
    }
    const report = await runImport(server.services, music, { json: true, transcode: 'eager' });
    assert.equal(report.failed.length, 0, JSON.stringify(report.failed));
    const { db } = server.services.database;
    const rows = await sql<{ id: string; name: string; album_id: string }>`
      select t.id, t.name, t.album_id from tracks t join albums a on a.id = t.album_id
      where a.name = 'Long Tones'`.execute(db);
    for (const r of rows.rows) {
      ids[r.name] = r.id;
      albumId = r.album_id;
    }
    assert.equal(Object.keys(ids).length, TONES.length);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (music) await rm(music, { recursive: true, force: true });
  });

  const spotifyUri = (title: string) => `spotify:track:${ids[title]}`;
  const bar = () => page.getByTestId('now-playing');
  const engine = async () => {
    const s = await page.evaluate(() => window.cadenza?.player.getState());
    assert.ok(s, 'the page has a player engine');
    return { ...s, trackId: s.queue[s.index]?.id, queueIds: s.queue.map((q) => q.id) };
  };
  /** The engine plays `title` (at or past `fromMs`, if given). */
  const playing = (title: string, fromMs = 0) =>
    waitForPlayerState(
      page,
      `s.status === 'playing' && s.queue[s.index]?.id === ${JSON.stringify(ids[title])} && s.positionMs >= ${fromMs}`,
    );
  const barShows = (title: string, status: 'playing' | 'paused') =>
    bar()
      .and(page.locator(`[data-status="${status}"]`))
      .getByTestId('now-playing-title')
      .filter({ hasText: title });

  it('lists the browser among the devices, under its name, and transfers playback to it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    // The listener names this browser in the devices menu.
    await page.getByRole('button', { name: 'Connect to a device' }).click();
    const menu = page.getByRole('dialog', { name: 'Devices' });
    await menu.getByLabel('Name of this browser').fill('Study');
    await menu.getByRole('button', { name: 'Rename' }).click();
    await menu.getByRole('button', { name: /This browser.*Study/ }).waitFor();
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    // A click on the page: Chromium lets a page that was clicked start audio.
    await bar().getByTestId('elapsed').click();

    deviceId = await page.evaluate(() => localStorage.getItem('cadenza.device') ?? '');
    assert.match(deviceId, /^[A-Za-z0-9]{22}$/);
    const { access_token } = await server.services.accounts.logIn(username, PASSWORD);
    sdk = SpotifyApi.withAccessToken(
      'cadenza-e2e',
      { access_token, token_type: 'Bearer', expires_in: 3600, refresh_token: '', expires: Date.now() + 3_600_000 },
      {
        fetch: (input, init) => {
          const url = String(input);
          const spotify = 'https://api.spotify.com/v1/';
          assert.ok(url.startsWith(spotify), url);
          return fetch(`${server.url}/v1/${url.slice(spotify.length)}`, init);
        },
      },
    );

    const { devices } = await sdk.player.getAvailableDevices();
    assert.deepEqual(
      devices.map((d) => [d.id, d.name, d.type, d.is_active]),
      [[deviceId, 'Study', 'Computer', false]],
    );
    assert.equal(await sdk.player.getPlaybackState(), null, 'nothing plays yet (204)');

    await sdk.player.transferPlayback([deviceId], false);
    const state = await sdk.player.getPlaybackState();
    assert.equal(state.device.id, deviceId);
    assert.equal(state.device.is_active, true);
    assert.equal(state.is_playing, false);
    // Nothing to hear yet, and the browser is not a remote of another device.
    assert.notEqual((await page.evaluate(() => window.cadenza?.player.getState()))?.status, 'playing');
    assert.equal(await bar().getByTestId('remote-strip').count(), 0);
  });

  it('plays an album from an offset and position, then a list of uris from an offset and position', async () => {
    await sdk.player.startResumePlayback(deviceId, `spotify:album:${albumId}`, undefined, { position: 1 }, 20_000);
    await playing('Bravo', 20_000);
    let s = await engine();
    assert.deepEqual(
      s.queueIds,
      TONES.map((t) => ids[t]),
    );
    assert.ok(s.positionMs < 26_000, `Bravo starts near 0:20, the engine is at ${s.positionMs} ms`);
    await barShows('Bravo', 'playing').waitFor();

    await sdk.player.startResumePlayback(
      deviceId,
      undefined,
      [spotifyUri('Charlie'), spotifyUri('Alpha'), spotifyUri('Delta')],
      { uri: spotifyUri('Alpha') },
      10_000,
    );
    await playing('Alpha', 10_000);
    s = await engine();
    assert.deepEqual(
      s.queueIds,
      ['Charlie', 'Alpha', 'Delta'].map((t) => ids[t]),
    );
    assert.ok(s.positionMs < 16_000, `Alpha starts near 0:10, the engine is at ${s.positionMs} ms`);
    await barShows('Alpha', 'playing').waitFor();
  });

  it('pauses, resumes, skips forward and back, and seeks', async () => {
    await sdk.player.pausePlayback(deviceId);
    await waitForPlayerState(page, `s.status === 'paused'`, 5_000);
    await barShows('Alpha', 'paused').waitFor();
    const held = (await engine()).positionMs;
    const state = await sdk.player.getPlaybackState();
    assert.equal(state.is_playing, false);
    assert.ok(
      Math.abs(state.progress_ms - held) < 1_500,
      `the server holds ${state.progress_ms} ms, the engine ${held} ms`,
    );

    await sdk.player.startResumePlayback(deviceId);
    await waitForPlayerState(page, `s.status === 'playing' && s.positionMs > ${held + 200}`, 5_000);
    const resumed = await engine();
    assert.equal(resumed.trackId, ids.Alpha);
    assert.ok(resumed.positionMs < held + 5_000, `resumed from where it paused (${held} → ${resumed.positionMs} ms)`);
    await barShows('Alpha', 'playing').waitFor();

    await sdk.player.skipToNext(deviceId);
    await playing('Delta');
    assert.ok((await engine()).positionMs < 5_000, 'the next track plays from its start');
    await barShows('Delta', 'playing').waitFor();

    // Early in a track, previous goes back to the one before (later it restarts the track).
    await sdk.player.skipToPrevious(deviceId);
    await playing('Alpha');
    assert.ok((await engine()).positionMs < 5_000, 'the previous track plays from its start');
    await barShows('Alpha', 'playing').waitFor();

    await sdk.player.seekToPosition(30_000, deviceId);
    await waitForPlayerState(page, `s.status === 'playing' && s.positionMs >= 30000 && s.positionMs < 35000`, 5_000);
    assert.equal((await engine()).trackId, ids.Alpha);
    await bar()
      .getByTestId('elapsed')
      .filter({ hasText: /0:3[0-4]/ })
      .waitFor({ timeout: 5_000 });
  });

  it('sets repeat, shuffle and volume', async () => {
    await sdk.player.setRepeatMode('track', deviceId);
    await waitForPlayerState(page, `s.repeat === 'one'`, 5_000);
    await sdk.player.setRepeatMode('context', deviceId);
    await waitForPlayerState(page, `s.repeat === 'all'`, 5_000);
    assert.equal((await sdk.player.getPlaybackState()).repeat_state, 'context');
    await sdk.player.setRepeatMode('off', deviceId);
    await waitForPlayerState(page, `s.repeat === 'off'`, 5_000);

    await sdk.player.togglePlaybackShuffle(true, deviceId);
    await waitForPlayerState(page, `s.shuffle === true`, 5_000);
    let s = await engine();
    assert.equal(s.status, 'playing');
    assert.equal(s.trackId, ids.Alpha, 'shuffling keeps the track that plays');
    await sdk.player.togglePlaybackShuffle(false, deviceId);
    await waitForPlayerState(page, `s.shuffle === false`, 5_000);
    assert.equal((await engine()).trackId, ids.Alpha, 'so does shuffling off');

    await sdk.player.setPlaybackVolume(30, deviceId);
    await waitForPlayerState(page, `Math.abs(s.volume - 0.3) < 0.005`, 5_000);
    await page.waitForFunction(
      () => (document.querySelector('[aria-label="Volume"]') as HTMLInputElement | null)?.value === '30',
    );
    s = await engine();
    assert.equal(s.status, 'playing', 'a volume change does not stop the music');

    const state = await sdk.player.getPlaybackState();
    assert.equal(state.repeat_state, 'off');
    assert.equal(state.shuffle_state, false);
    assert.equal(state.device.volume_percent, 30);
  });

  it('adds a track to the queue, which the browser takes and the queue lists next', async () => {
    const before = (await engine()).queueIds.length;
    await sdk.player.addItemToPlaybackQueue(spotifyUri('Bravo'), deviceId);
    await waitForPlayerState(
      page,
      `s.queue.length === ${before + 1} && s.queue.some((q, i) => i !== s.index && q.id === ${JSON.stringify(ids.Bravo)})`,
      5_000,
    );
    assert.equal((await engine()).trackId, ids.Alpha, 'adding to the queue does not change the track playing');
    const queue = await sdk.player.getUsersQueue();
    assert.equal(queue.currently_playing?.id, ids.Alpha);
    assert.deepEqual(
      queue.queue.map((t) => t.name),
      ['Bravo', 'Delta'],
      'what was added plays before the rest of the list (Spotify)',
    );
  });

  it('reads the playback state and the track playing as the browser plays them', async () => {
    const [state, s] = [await sdk.player.getPlaybackState(), await engine()];
    assert.equal(state.device.id, deviceId);
    assert.equal(state.device.name, 'Study');
    assert.equal(state.is_playing, true);
    assert.equal(state.item.id, s.trackId);
    assert.equal(state.item.name, 'Alpha');
    assert.equal(state.currently_playing_type, 'track');
    assert.ok(
      Math.abs(state.progress_ms - s.positionMs) < 1_500,
      `server ${state.progress_ms} ms, engine ${s.positionMs} ms`,
    );

    const current = await sdk.player.getCurrentlyPlayingTrack();
    assert.equal(current.is_playing, true);
    assert.equal(current.item.id, ids.Alpha);

    // Paused from the SDK, both say so; the bar stops.
    await sdk.player.pausePlayback(deviceId);
    await waitForPlayerState(page, `s.status === 'paused'`, 5_000);
    await barShows('Alpha', 'paused').waitFor();
    const paused = await eventually(async () => {
      const now = await sdk.player.getCurrentlyPlayingTrack();
      return now.is_playing ? undefined : now;
    }, 5_000);
    assert.equal(paused.item.id, ids.Alpha);
  });

  it('plays next what was added to the queue, as the queue said', async () => {
    const { queue } = await sdk.player.getUsersQueue();
    assert.equal(queue[0]?.name, 'Bravo');
    await sdk.player.startResumePlayback(deviceId);
    await waitForPlayerState(page, `s.status === 'playing'`, 5_000);
    await sdk.player.skipToNext(deviceId);
    // The server took Bravo as the track now playing; the listener must hear it too.
    assert.equal((await sdk.player.getCurrentlyPlayingTrack()).item.name, 'Bravo');
    await playing('Bravo');
    await barShows('Bravo', 'playing').waitFor();
    const state = await sdk.player.getPlaybackState();
    assert.equal(state.item.name, 'Bravo', 'the device’s reports agree with the command');
  });
});
