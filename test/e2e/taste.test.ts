import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { insertDiscography } from '../helpers/discography.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';
import { chromiumMissing, launchBrowser, screenshot } from './browser.js';

/**
 * Issue 16 in the web player: right after sign-up a new listener picks genres they like (or skips),
 * and Home's recommendations come from those genres, not from what is most popular.
 */
const ARTISTS = [
  { name: 'Riff Lords', genre: 'rock', albums: [{ name: 'Loud Anthems', tracks: 6, popularity: 95 }] },
  { name: 'Stone Age', genre: 'rock', albums: [{ name: 'Heavy Weather', tracks: 6, popularity: 90 }] },
  { name: 'Pulse', genre: 'electronic', albums: [{ name: 'Night Drive', tracks: 6, popularity: 85 }] },
  { name: 'Blue Trio', genre: 'jazz', albums: [{ name: 'After Hours', tracks: 6, popularity: 40 }] },
  { name: 'Sax Appeal', genre: 'jazz', albums: [{ name: 'Smoke Rings', tracks: 6, popularity: 35 }] },
  { name: 'Hill Song', genre: 'folk', albums: [{ name: 'Green Valley', tracks: 6, popularity: 30 }] },
  { name: 'Fiddle Road', genre: 'folk', albums: [{ name: 'Dust and Strings', tracks: 6, popularity: 25 }] },
];
const PICKED_ALBUMS = ['After Hours', 'Smoke Rings', 'Green Valley', 'Dust and Strings'];

describe('genres picked at sign-up in the web player', { skip: chromiumMissing }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
    await insertDiscography(server.services.database.db, ARTISTS);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs up, picks Jazz and Folk, and sees Home recommend albums of those genres first', async () => {
    await page.goto(`${server.url}/signup`);
    await page.getByLabel('Username').fill(`taste${Date.now().toString(36)}`);
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();

    await page.getByRole('heading', { name: 'Pick some genres you like', level: 1 }).waitFor();
    const genres = page.getByRole('list', { name: 'Genres' });
    // The heading shows before the genres arrive; they come in one answer, all at once.
    await genres.getByRole('button', { name: /^Jazz/ }).waitFor();
    assert.equal(await genres.getByRole('button').count(), 4, 'one toggle per genre of the library');
    await genres.getByRole('button', { name: /^Jazz/ }).click();
    await genres.getByRole('button', { name: /^Folk/ }).click();
    assert.equal(await genres.getByRole('button', { name: /^Jazz/ }).getAttribute('aria-pressed'), 'true');
    assert.equal(await genres.getByRole('button', { name: /^Rock/ }).getAttribute('aria-pressed'), 'false');
    await screenshot(page, 'taste-welcome');
    await page.getByRole('button', { name: 'Done (2)' }).click();

    // Home: the picked genres are named, and "Recommended for today" starts with their albums.
    await page.getByRole('region', { name: 'Your genres' }).getByText('Jazz, Folk').waitFor();
    const recommended = page.getByRole('list', { name: 'Recommended for today' });
    await recommended.getByRole('listitem').first().waitFor();
    const shown = await recommended.getByRole('listitem').allInnerTexts();
    const names = shown.map((text) => text.split('\n')[0]!.trim());
    // The picked genres' albums lead; the library's other albums only follow once those run out.
    assert.deepEqual(names.slice(0, 4).sort(), [...PICKED_ALBUMS].sort(), names.join(' | '));
    await screenshot(page, 'taste-home');

    // The same choice later, from the account menu: it shows what was picked and can change it.
    await page.getByTestId('account-button').click();
    await page.getByRole('button', { name: 'Your genres' }).click();
    await page.getByRole('heading', { name: 'Your genres', level: 1 }).waitFor();
    const again = page.getByRole('list', { name: 'Genres' });
    await again.getByRole('button', { name: /^Folk/, pressed: true }).waitFor();
    await again.getByRole('button', { name: /^Folk/ }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('region', { name: 'Your genres' }).getByText('Jazz', { exact: true }).waitFor();
    const stored = await server.json('/v1/me/taste/genres', {
      token: await page.evaluate(() => JSON.parse(localStorage.getItem('cadenza.session')!).accessToken as string),
    });
    assert.deepEqual(stored.body, { genres: ['jazz'] });
  });

  it('says when the saved genres cannot be read, and still lets the listener pick and save', async () => {
    // Signed in by the test before; the server fails to answer the listener's saved genres.
    const failing = '**/v1/me/taste/genres';
    await page.route(failing, (route) =>
      route.request().method() === 'GET'
        ? route.fulfill({
            status: 500,
            contentType: 'application/json',
            body: JSON.stringify({ error: { status: 500, message: 'the database is away' } }),
          })
        : route.fallback(),
    );
    try {
      await page.goto(`${server.url}/taste`);
      await page
        .getByRole('alert')
        .getByText(/Your saved genres could not be loaded/)
        .waitFor();
      const genres = page.getByRole('list', { name: 'Genres' });
      await genres.getByRole('button', { name: /^Rock/ }).click();
      assert.equal(await genres.getByRole('button', { name: /^Rock/ }).getAttribute('aria-pressed'), 'true');
      await page.getByRole('button', { name: 'Save' }).click();
      // Saving goes back to Home once the server has the choice.
      await page.waitForURL(`${server.url}/`);
    } finally {
      await page.unroute(failing);
    }
    const stored = await server.json('/v1/me/taste/genres', {
      token: await page.evaluate(() => JSON.parse(localStorage.getItem('cadenza.session')!).accessToken as string),
    });
    assert.deepEqual(stored.body, { genres: ['rock'] });
  });
});
