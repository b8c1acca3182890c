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
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';
import { chromiumMissing, launchBrowser, screenshot, waitForPlayerState } from './browser.js';

/**
 * Three artists of three genres, so that nothing but listening ties two of them together: the
 * listeners of Alder Grove also save Birch Line, nobody's Cedar Hollow listener saves either.
 */
const ARTISTS = [
  { name: 'Alder Grove', album: 'Canopy', genre: 'Folk', songs: ['Acorn', 'Bark', 'Clearing'] },
  { name: 'Birch Line', album: 'Pale Trunks', genre: 'Techno', songs: ['Drift', 'Ember', 'Frost'] },
  { name: 'Cedar Hollow', album: 'Resin', genre: 'Jazz', songs: ['Grain', 'Hollow', 'Incense'] },
] as const;
const SECONDS = 5;

async function makeCatalog(root: string): Promise<void> {
  let hz = 300;
  for (const a of ARTISTS) {
    const folder = join(root, a.name, a.album);
    await mkdir(folder, { recursive: true });
    for (const [i, title] of a.songs.entries()) {
      hz += 40;
      await makeTone(join(folder, `0${i + 1} ${title}.flac`), {
        seconds: SECONDS,
        frequency: hz,
        tags: {
          title,
          artist: a.name,
          album_artist: a.name,
          album: a.album,
          track: String(i + 1),
          date: '2026-04-01',
          genre: a.genre,
        },
      });
    }
  }
}

interface Catalog {
  artists: Record<string, string>;
  albums: Record<string, string>;
  tracks: Record<string, string>;
}

describe('recommendations in the web player', { skip: chromiumMissing }, () => {
  let server: TestServer;
  let music: string;
  let browser: Browser;
  let page: Page;
  let token: string;
  const ids: Catalog = { artists: {}, albums: {}, tracks: {} };

  /** Reads the catalogue's ids through the API, as any client would. */
  async function readCatalog(as: string): Promise<void> {
    for (const a of ARTISTS) {
      const found = await server.json(`/v1/search?q=${encodeURIComponent(a.album)}&type=album`, { token: as });
      const album = found.body.albums.items.find((x: { name: string }) => x.name === a.album);
      ids.albums[a.album] = album.id;
      ids.artists[a.name] = album.artists[0].id;
      const tracks = await server.json(`/v1/albums/${album.id}/tracks`, { token: as });
      for (const t of tracks.body.items) ids.tracks[t.name] = t.id;
    }
  }

  /** Other listeners whose saves tie Alder Grove to Birch Line; the model is fitted on them. */
  async function otherListeners(): Promise<void> {
    const save = (as: string, names: string[]) =>
      server.request(`/v1/me/tracks?ids=${names.map((n) => ids.tracks[n]).join(',')}`, { method: 'PUT', token: as });
    for (let i = 0; i < 4; i++) {
      const fan = await server.account();
      const res = await save(fan.token, ['Acorn', 'Bark', 'Drift', 'Ember', 'Frost']);
      assert.equal(res.status, 200, await res.text());
    }
    const loner = await server.account();
    await save(loner.token, ['Grain', 'Hollow']);
    assert.equal(await server.services.recommendations.refresh(), true, 'a model was fitted');
  }

  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
    music = await mkdtemp(join(tmpdir(), 'cadenza-recs-e2e-'));
    await makeCatalog(music);
    const report = await runImport(server.services, music, { json: true, transcode: 'eager' });
    assert.equal(report.failed.length, 0, JSON.stringify(report.failed));
    const reader = await server.account();
    await readCatalog(reader.token);
    await otherListeners();
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));

    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Username').fill(`recs${Date.now().toString(36)}`);
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    token = await page.evaluate(() => JSON.parse(localStorage.getItem('cadenza.session')!).accessToken as string);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (music) await rm(music, { recursive: true, force: true });
  });

  const state = (check: string, timeout?: number) => waitForPlayerState(page, check, timeout);
  const open = async (path: string, heading: string) => {
    await page.evaluate((to) => {
      history.pushState(null, '', to);
      dispatchEvent(new Event('cadenza:navigate'));
    }, path);
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  };
  /** Waits until the page's listening events reached the server, then lets the consumers apply them. */
  const eventsDelivered = async () => {
    await eventually(
      async () => (await page.evaluate(() => (window.cadenzaEvents as EventsHandle).store.size())) === 0,
      20_000,
      'the listening events to be sent',
    );
    await drainConsumers(server.services);
  };

  it('Home shows the album just played under "Recently played"', async () => {
    await open(`/album/${ids.albums.Canopy}`, 'Canopy');
    await page.getByRole('button', { name: 'Play Canopy', exact: true }).click();
    await state(`s.queue[s.index].title === 'Acorn' && s.status === 'playing' && s.positionMs > 1500`);
    await page.getByRole('region', { name: 'Now playing' }).getByRole('button', { name: 'Pause' }).click();
    await page.waitForTimeout(2_500); // the outbox sends its batch 2 s after the last event
    await eventsDelivered();

    // A slow answer shows the skeletons first.
    const slowly = async (route: Route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    };
    await page.route('**/v1/me/home', slowly);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home', exact: true }).click();
    await page.getByRole('status', { name: 'Loading your home' }).waitFor();
    await screenshot(page, 'recs-home-loading');
    const recent = page.getByRole('list', { name: 'Recently played' });
    await recent.getByRole('link', { name: 'Canopy' }).waitFor();
    await page.unroute('**/v1/me/home', slowly);
    assert.equal(
      await recent.getByRole('listitem').count(),
      1,
      'only what this listener played (Canopy) is in "Recently played"',
    );
    await screenshot(page, 'recs-home');
    await page.setViewportSize({ width: 375, height: 812 });
    await screenshot(page, 'recs-home-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    // "Show all" of a row has every card of the section.
    await page.getByRole('link', { name: 'Show all: Your top artists' }).click();
    await page.getByRole('heading', { name: 'Your top artists', level: 1 }).waitFor();
    await page.getByRole('list', { name: 'Your top artists' }).getByRole('link', { name: 'Alder Grove' }).waitFor();
  });

  it('"Go to song radio" on a track opens its radio, which plays from that song', async () => {
    await open(`/album/${ids.albums['Pale Trunks']}`, 'Pale Trunks');
    const row = page.locator('tr[data-track-id]', { hasText: 'Drift' });
    await row.hover();
    await row.getByRole('button', { name: 'More options for Drift' }).click();
    await page.getByRole('menuitem', { name: 'Go to song radio' }).click();
    await page.getByRole('heading', { name: 'Drift Radio', level: 1 }).waitFor();
    const rows = page.getByRole('table', { name: 'Drift Radio tracks' }).locator('tr[data-track-id]');
    await rows.first().waitFor();
    assert.equal(await rows.first().getAttribute('data-track-id'), ids.tracks.Drift, 'the seed song comes first');
    await screenshot(page, 'recs-radio');
    await rows.nth(1).hover();
    await rows
      .nth(1)
      .getByRole('button', { name: /^More options for / })
      .click();
    await page.getByRole('menu').waitFor();
    await screenshot(page, 'recs-track-menu');
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 375, height: 812 });
    await screenshot(page, 'recs-radio-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('button', { name: 'Play Drift Radio', exact: true }).click();
    await state(`s.queue[0].title === 'Drift' && s.index === 0 && s.status === 'playing'`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queue' }).click();
    await page.getByRole('heading', { name: 'Next from: Drift Radio' }).waitFor();

    // Five tracks from the station's end, the player asks for its next page, leaving out what is queued.
    const nextPage = page.waitForRequest((r) => r.url().includes('/v1/radio?') && r.url().includes('exclude='));
    const queued = await page.evaluate(async () => {
      const { player } = window.cadenza!;
      await player.playIndex(player.getState().queue.length - 5);
      return player.getState().queue.map((q) => q.id);
    });
    const asked = new URL((await nextPage).url()).searchParams;
    assert.equal(asked.get('seed_uri'), `cadenza:track:${ids.tracks.Drift}`);
    assert.deepEqual(asked.get('exclude')?.split(',').sort(), [...queued].sort());
    await page.getByRole('region', { name: 'Now playing' }).getByRole('button', { name: 'Pause' }).click();
  });

  it('the artist screen shows the co-listened artist under "Fans also like"', async () => {
    await open(`/artist/${ids.artists['Alder Grove']}`, 'Alder Grove');
    const fans = page.getByRole('list', { name: 'Fans also like' });
    await fans.getByRole('link', { name: 'Birch Line' }).waitFor();
    assert.equal(await fans.getByRole('link', { name: 'Cedar Hollow' }).count(), 0, 'nobody listens to both');
    await page.getByRole('button', { name: 'More options for Alder Grove' }).click();
    await page.getByRole('menuitem', { name: 'Go to artist radio' }).waitFor();
    await screenshot(page, 'recs-artist-menu');
    await page.keyboard.press('Escape');
    await fans.scrollIntoViewIfNeeded();
    await screenshot(page, 'recs-artist-fans');
  });

  it('"Recommended" under a playlist adds a track to it, for its editors and the API alike', async () => {
    const me = await server.json('/v1/me', { token });
    const made = await server.json(`/v1/users/${me.body.id}/playlists`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Woodland', public: false }),
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const playlistId = made.body.id as string;
    const added = await server.json(`/v1/playlists/${playlistId}/tracks`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uris: [`cadenza:track:${ids.tracks.Acorn}`] }),
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));

    await open(`/playlist/${playlistId}`, 'Woodland');
    const recommended = page.getByRole('table', { name: 'Recommended' });
    const first = recommended.locator('tr[data-track-id]').first();
    await first.waitFor();
    const pick = (await first.getAttribute('data-track-id'))!;
    assert.notEqual(pick, ids.tracks.Acorn, 'the playlist’s own track is not recommended');
    const title = (await first.locator('.track-title').textContent())!;
    await page.getByRole('button', { name: 'Refresh' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'recs-playlist');
    await first.hover();
    await first.getByRole('button', { name: `Add ${title} to Woodland` }).click();

    await page.getByRole('table', { name: 'Woodland tracks' }).locator(`tr[data-track-id="${pick}"]`).waitFor();
    assert.equal(await recommended.locator(`tr[data-track-id="${pick}"]`).count(), 0, 'an added track leaves the list');
    await eventually(
      async () => {
        const items = await server.json(`/v1/playlists/${playlistId}/tracks`, { token });
        const listed = items.body.items.map((i: { track: { id: string } }) => i.track.id);
        return listed.length === 2 && listed[1] === pick;
      },
      10_000,
      'the added track to be in the playlist',
    );
  });

  it('autoplay continues with similar songs after the last track of the queue', async () => {
    await open(`/track/${ids.tracks.Grain}`, 'Grain');
    await page.getByRole('button', { name: 'Play Grain', exact: true }).click();
    await state(`s.queue[0].title === 'Grain' && s.status === 'playing'`);
    await state(`s.queue.length > 1 && s.queue.slice(1).every((q) => q.autoplay)`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queue' }).click();
    await page.getByRole('table', { name: 'Autoplay' }).locator('tr[data-track-id]').first().waitFor();
    await screenshot(page, 'recs-queue-autoplay');
    const next = await page.evaluate(() => window.cadenza!.player.getState().queue[1]!.id);
    assert.notEqual(next, ids.tracks.Grain);
    // Grain ends; the first autoplay pick plays on without a pause.
    await state(`s.index === 1 && s.status === 'playing' && s.queue[1].id === '${next}'`, (SECONDS + 10) * 1000);

    // With Autoplay switched off, its picks leave the queue.
    await page.getByRole('button', { name: 'Playback settings' }).click();
    const toggle = page.getByRole('switch', { name: 'Autoplay' });
    assert.equal(await toggle.isChecked(), true, 'autoplay is on by default');
    await screenshot(page, 'recs-settings');
    await toggle.click();
    await state(`s.queue.slice(s.index + 1).every((q) => !q.autoplay)`);
    await page.getByRole('region', { name: 'Now playing' }).getByRole('button', { name: 'Pause' }).click();
  });

  it('a made-for-you playlist opens in the playlist screen, playable but not editable', async () => {
    // Home asks for the listener's mixes to be built once they have listened; the worker builds them.
    const madeForYou = page.getByRole('list', { name: 'Made for you' });
    await eventually(
      async () => {
        await page.goto(`${server.url}/`);
        await page.getByRole('heading', { name: 'Recently played' }).waitFor();
        return (await madeForYou.count()) > 0;
      },
      60_000,
      'the made-for-you playlists',
    );
    await screenshot(page, 'recs-home-made-for-you');
    const card = madeForYou.getByRole('article').first();
    const name = (await card.locator('.card-title').textContent())!;
    await card.locator('.card-title').click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    await page
      .getByRole('table', { name: `${name} tracks` })
      .locator('tr[data-track-id]')
      .first()
      .waitFor();
    await page.getByRole('button', { name: `Play ${name}`, exact: true }).waitFor();
    await screenshot(page, 'recs-made-for-you');
    assert.equal(await page.getByRole('button', { name: 'Edit details' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /^Remove .* from this playlist$/ }).count(), 0);
    assert.equal(await page.getByRole('table', { name: 'Recommended' }).count(), 0);
  });
});
