import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { runImport } from '../../src/cli/import.js';
import { makeTone } from '../helpers/audio.js';
import { insertCatalog } from '../helpers/catalog-fixtures.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';
import { chromiumMissing, launchBrowser, screenshot } from './browser.js';

const PASSWORD = 'a long enough password';
const TITLES = ['Alpha Waves', 'Bravo Nights', 'Charlie Rain', 'Delta Blues'];

/**
 * The library and playlists as a listener uses them: a liked song in Liked songs, an album saved, an
 * artist followed, a playlist made from track rows, reordered and trimmed; a collaborator in a second
 * browser sees the owner's edits arrive live and the owner sees theirs; a followed friend's play
 * shows up in friend activity without a reload.
 */
describe('library, playlists and friend activity in Chromium', { skip: chromiumMissing }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let other: Page;
  let ids: Map<string, { track: string; album: string; artist: string }>;
  let ownerId = '';
  let playlistId = '';
  let music = '';
  const username = `owner${Date.now().toString(36)}`;

  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
    ids = await insertCatalog(
      server.services.database.db,
      TITLES.map((name, i) => ({ name, artist: 'The Testers', album: `${name} (Single)`, popularity: 90 - i })),
    );
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    other = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
    for (const p of [page, other]) p.on('pageerror', (error) => console.error('page error:', error.message));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (music) await rm(music, { recursive: true, force: true });
  });

  const id = (title: string) => ids.get(title)!;
  const rows = (p: Page) => p.locator('.playlist-tracks tr[data-track-id] .track-title');
  const expectRows = async (p: Page, titles: string[]) => {
    const want = JSON.stringify(titles);
    await p
      .waitForFunction(
        (w) =>
          JSON.stringify([...document.querySelectorAll('.playlist-tracks .track-title')].map((e) => e.textContent)) ===
          w,
        want,
        { timeout: 10_000 },
      )
      .catch(async () => assert.deepEqual(await rows(p).allTextContents(), titles));
  };

  it('saves a song, an album and an artist and finds them in Your Library', async () => {
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    await page.goto(`${server.url}/album/${id('Alpha Waves').album}`);
    const heart = page.getByRole('button', { name: 'Save to Liked songs: Alpha Waves' });
    await heart.click();
    await page.getByTestId('toast').filter({ hasText: 'Added to Liked songs' }).waitFor();
    await page.getByRole('button', { name: 'Remove from Liked songs: Alpha Waves' }).waitFor();
    await page.getByRole('button', { name: 'Save to Your Library: Alpha Waves (Single)' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Saved to Your Library' }).waitFor();
    await page.getByRole('button', { name: 'Remove from Your Library: Alpha Waves (Single)' }).waitFor();
    await screenshot(page, 'album-saved');
    await page.goto(`${server.url}/artist/${id('Bravo Nights').artist}`);
    await page.getByRole('button', { name: 'Follow The Testers' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Following The Testers' }).waitFor();
    await page.getByRole('button', { name: 'Unfollow The Testers' }).waitFor();
    assert.equal(await page.locator('.toast-error').count(), 0, 'no save or follow failed');
    await screenshot(page, 'artist-followed');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
    ownerId = (await page.locator('.library-whoami code').textContent()) ?? '';
    await page.getByRole('tab', { name: 'Liked songs' }).click();
    await page
      .getByRole('table', { name: 'Liked songs' })
      .getByRole('link', { name: 'Alpha Waves', exact: true })
      .waitFor();
    await screenshot(page, 'library-liked');
    // After a reload the heart still knows (from the server's contains).
    await page.reload();
    await page.getByRole('button', { name: 'Remove from Liked songs: Alpha Waves' }).waitFor();
    await page.getByRole('tab', { name: 'Liked songs' }).press('ArrowRight');
    await page.getByRole('list', { name: 'Saved albums' }).getByText('Alpha Waves (Single)').waitFor();
    await page.getByRole('tab', { name: 'Albums' }).press('ArrowRight');
    await page.getByRole('list', { name: 'Followed artists' }).getByText('The Testers').waitFor();

    // Newest first, 50 at a time: 50 songs saved later push Alpha Waves onto the second page.
    const filler = await insertCatalog(
      server.services.database.db,
      Array.from({ length: 50 }, (_, i) => ({ name: `Filler ${i + 1}`, artist: 'Filler Band' })),
    );
    await server.services.library.save(
      ownerId,
      'track',
      [...filler.values()].map((f) => f.track),
    );
    await page.getByRole('tab', { name: 'Liked songs' }).click();
    const liked = page.getByRole('table', { name: 'Liked songs' }).locator('tr[data-track-id]');
    await page.getByText('51 songs').waitFor();
    assert.equal(await liked.count(), 50);
    await page.getByRole('button', { name: 'Show more songs' }).click();
    await liked.nth(50).filter({ hasText: 'Alpha Waves' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Show more songs' }).count(), 0);
  });

  it('creates a playlist, adds tracks from their rows, reorders and removes', async () => {
    await page.getByRole('tab', { name: 'Artists' }).press('Home');
    await page.getByRole('button', { name: 'Create playlist' }).click();
    await page.getByLabel('Playlist name').fill('Road Trip');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'Road Trip', level: 1 }).waitFor();
    playlistId = page.url().split('/playlist/')[1]!;
    await page.getByTestId('sync-status').filter({ hasText: 'Live' }).waitFor();

    for (const title of TITLES.slice(0, 2)) {
      await page.goto(`${server.url}/album/${id(title).album}`);
      await page.getByRole('button', { name: `Add ${title} to playlist` }).click();
      await page
        .getByRole('dialog', { name: `Add ${title} to playlist` })
        .getByRole('button', { name: 'Road Trip' })
        .click();
      await page.getByTestId('toast').filter({ hasText: 'Added to Road Trip' }).waitFor();
    }
    // The third from the keyboard: Enter opens the menu on its first playlist, Enter adds.
    await page.goto(`${server.url}/album/${id('Charlie Rain').album}`);
    await page.getByRole('button', { name: 'Add Charlie Rain to playlist' }).focus();
    await page.keyboard.press('Enter');
    await page
      .getByRole('dialog', { name: 'Add Charlie Rain to playlist' })
      .getByRole('button', { name: 'Road Trip' })
      .waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Road Trip');
    await page.keyboard.press('Enter');
    await page.getByTestId('toast').filter({ hasText: 'Added to Road Trip' }).waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
      'Add Charlie Rain to playlist',
      'focus goes back to the button',
    );
    await page.goto(`${server.url}/playlist/${playlistId}`);
    await expectRows(page, TITLES.slice(0, 3));

    await page.getByRole('button', { name: 'Move Charlie Rain up' }).click();
    await expectRows(page, ['Alpha Waves', 'Charlie Rain', 'Bravo Nights']);
    await page
      .getByTestId('sync-status')
      .filter({ hasText: /Saved · version \d+/ })
      .waitFor();
    await page.getByRole('button', { name: 'Remove Alpha Waves from this playlist' }).click();
    await expectRows(page, ['Charlie Rain', 'Bravo Nights']);
    // From the keyboard: Alt+Down moves the focused row, and focus stays with it for Alt+Up.
    await page.locator('.playlist-tracks tr[data-track-id]', { hasText: 'Charlie Rain' }).focus();
    await page.keyboard.press('Alt+ArrowDown');
    await expectRows(page, ['Bravo Nights', 'Charlie Rain']);
    await page.keyboard.press('Alt+ArrowUp');
    await expectRows(page, ['Charlie Rain', 'Bravo Nights']);
    // And by dragging a row onto another (up, then down).
    const row = (title: string) => page.locator('.playlist-tracks tr[data-track-id]', { hasText: title });
    await row('Bravo Nights').dragTo(row('Charlie Rain'));
    await expectRows(page, ['Bravo Nights', 'Charlie Rain']);
    await row('Bravo Nights').dragTo(row('Charlie Rain'));
    await expectRows(page, ['Charlie Rain', 'Bravo Nights']);
    const stored = await server.json(`/v1/playlists/${playlistId}/tracks`, { token: await tokenOf(page) });
    assert.deepEqual(
      stored.body.items.map((i: { track: { name: string } }) => i.track.name),
      ['Charlie Rain', 'Bravo Nights'],
      'the server holds the edited order',
    );
  });

  it('a collaborator in another browser sees edits live, and the owner sees theirs', async () => {
    const collaborator = await server.account();
    await page.getByRole('button', { name: 'Edit details' }).click();
    await page.getByLabel('Description').fill('Songs for the long road');
    await page.getByRole('radio', { name: /Collaborative/ }).check();
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.getByText('Collaborative playlist').waitFor();
    await page.getByLabel('Invite by user id').fill(collaborator.id);
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByRole('list', { name: 'Collaborators' }).getByText(collaborator.username).waitFor();
    const cover = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#3e7bb0' } })
      .jpeg()
      .toBuffer();
    await page
      .getByLabel('Cover image (JPEG or PNG)')
      .setInputFiles({ name: 'cover.jpg', mimeType: 'image/jpeg', buffer: cover });
    await page.getByTestId('toast').filter({ hasText: 'Cover updated' }).waitFor();
    await page.locator('.hero-art img.artwork').waitFor();
    await screenshot(page, 'playlist-settings');
    await page.getByRole('button', { name: 'Close settings' }).click();

    await other.goto(`${server.url}/login`);
    await other.getByLabel('Username').fill(collaborator.username);
    await other.getByLabel('Password').fill('correct horse battery');
    await other.getByRole('button', { name: 'Log in' }).click();
    await other.getByRole('navigation', { name: 'Main' }).waitFor();
    await other.goto(`${server.url}/playlist/${playlistId}`);
    await expectRows(other, ['Charlie Rain', 'Bravo Nights']);
    await other.getByTestId('sync-status').filter({ hasText: 'Live' }).waitFor();

    // The owner's edit reaches the collaborator's page without a reload…
    await page.getByRole('button', { name: 'Move Charlie Rain down' }).click();
    await expectRows(other, ['Bravo Nights', 'Charlie Rain']);
    // …and the collaborator's reaches the owner's.
    await other.getByRole('button', { name: 'Move Charlie Rain up' }).click();
    await expectRows(page, ['Charlie Rain', 'Bravo Nights']);
    await page.getByTestId('toast').filter({ hasText: 'changed by another editor' }).waitFor();
    await expectRows(other, ['Charlie Rain', 'Bravo Nights']);
    await screenshot(page, 'playlist');
    await screenshot(other, 'playlist-collaborator');

    // The owner makes it private again: the collaborator's next edit is refused, and the page says so.
    await page.getByRole('button', { name: 'Edit details' }).click();
    await page.getByRole('radio', { name: /Private/ }).check();
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.getByText('Private playlist').waitFor();
    await other.getByRole('button', { name: 'Remove Bravo Nights from this playlist' }).click();
    await other
      .getByTestId('sync-status')
      .filter({ hasText: /^Not saved: / })
      .waitFor();
    await other.locator('.toast-error').filter({ hasText: 'Not saved' }).waitFor();
    await expectRows(other, ['Charlie Rain', 'Bravo Nights']);
    // Read again after the refusal, the page no longer offers edits.
    await other.getByText('Private playlist').waitFor();
    assert.equal(await other.getByRole('button', { name: /^Remove .* from this playlist$/ }).count(), 0);
    await screenshot(other, 'playlist-refused');
    await page.getByRole('button', { name: 'Close settings' }).click();
  });

  it("shows a followed friend's play in friend activity as it happens", async () => {
    const friend = await server.account();
    await server.services.follows.follow(ownerId, 'user', [friend.id]);
    await page.goto(`${server.url}/library`);
    const panel = page.getByRole('complementary', { name: 'Friend activity' });
    await panel.getByText(/Follow people/).waitFor();
    const report = await server.request('/v1/me/player/now-playing', {
      method: 'PUT',
      token: friend.token,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ track_id: id('Delta Blues').track, progress_ms: 1000, is_playing: true }),
    });
    assert.equal(report.status, 204);
    const entry = panel.getByTestId('friend-activity').filter({ hasText: friend.username });
    await entry.getByRole('link', { name: 'Delta Blues' }).waitFor();
    await entry.getByRole('img', { name: 'Listening now' }).waitFor();
    await screenshot(page, 'library');

    // On a narrow window the feed is a screen of its own.
    await other.setViewportSize({ width: 390, height: 800 });
    await server.services.follows.follow(await idOf(other), 'user', [friend.id]);
    await other.goto(`${server.url}/playlist/${playlistId}`);
    await expectRows(other, ['Charlie Rain', 'Bravo Nights']);
    await screenshot(other, 'playlist-narrow');
    await other.goto(`${server.url}/friends`);
    await other.getByTestId('friend-activity').getByRole('link', { name: 'Delta Blues' }).waitFor();
  });

  it('tells followers what the player plays, and when it pauses', async () => {
    music = await mkdtemp(join(tmpdir(), 'cadenza-e2e-library-'));
    await mkdir(join(music, 'The Oscillators'), { recursive: true });
    await makeTone(join(music, 'The Oscillators', '01 First Light.flac'), {
      seconds: 20,
      frequency: 440,
      tags: { title: 'First Light', artist: 'The Oscillators', album: 'Tone Poems', track: '1', date: '2026-03-01' },
    });
    const report = await runImport(server.services, music, { json: true, transcode: 'eager' });
    assert.equal(report.failed.length, 0, JSON.stringify(report.failed));
    await server.services.accounts.setProduct(username, 'premium');
    await server.services.follows.follow(await idOf(other), 'user', [ownerId]);
    const token = await tokenOf(page);
    const albumId = await eventually(
      async () => {
        const found = await server.json('/v1/search?q=First%20Light&type=track', { token });
        return found.body.tracks?.items[0]?.album.id as string | undefined;
      },
      20_000,
      'the imported track in search',
    );

    await page.goto(`${server.url}/album/${albumId}`);
    const row = page.locator('tr[data-track-id]', { hasText: 'First Light' });
    await row.hover();
    await row.getByRole('button', { name: 'Play First Light', exact: true }).click();
    await page.getByTestId('now-playing').and(page.locator('[data-status="playing"]')).waitFor();
    const entry = other.locator('#main').getByTestId('friend-activity').filter({ hasText: username });
    await entry.getByRole('link', { name: 'First Light' }).waitFor();
    await entry.getByRole('img', { name: 'Listening now' }).waitFor();
    await screenshot(other, 'friend-activity-narrow');

    await page.getByTestId('now-playing').getByRole('button', { name: 'Pause', exact: true }).click();
    await entry.getByText('just now').waitFor();
    assert.equal(await entry.getByRole('img', { name: 'Listening now' }).count(), 0);

    // In a private session, playing again is not shown to followers.
    const privately = page.getByRole('switch', { name: 'Private session' });
    await privately.click();
    await page.getByRole('switch', { name: 'Private session', checked: true }).waitFor();
    await page.getByTestId('toast').filter({ hasText: 'Private session on' }).waitFor();
    await screenshot(page, 'friend-activity-private');
    await page.getByTestId('now-playing').getByRole('button', { name: 'Play', exact: true }).click();
    await page.getByTestId('now-playing').and(page.locator('[data-status="playing"]')).waitFor();
    await page.waitForTimeout(1500);
    assert.equal(await entry.getByRole('img', { name: 'Listening now' }).count(), 0, 'not live');
    const feed = await server.json('/v1/me/friends/activity', { token: await tokenOf(other) });
    const mine = feed.body.friends.find((f: { user: { id: string } }) => f.user.id === ownerId);
    assert.equal(mine?.is_playing, false, 'not in the feed either');
  });
});

/** The signed-in page's access token (from the session the app keeps in localStorage). */
async function tokenOf(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const key = Object.keys(localStorage).find((k) => localStorage.getItem(k)?.includes('accessToken'));
    return (JSON.parse(localStorage.getItem(key!)!) as { accessToken: string }).accessToken;
  });
}

async function idOf(page: Page): Promise<string> {
  return page.evaluate(
    async (token) => {
      const r = await fetch('/v1/me', { headers: { Authorization: `Bearer ${token}` } });
      return ((await r.json()) as { id: string }).id;
    },
    await tokenOf(page),
  );
}
