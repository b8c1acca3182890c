import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { makeTone } from '../helpers/audio.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';
import { chromiumMissing, launchBrowser, screenshot } from './browser.js';

const ALBUM = 'Field Recordings';

/**
 * The artist studio as an artist uses it: a draft album, artwork, two uploads that go through ingest
 * to ready, one corrupt upload that fails with its reason, a new track order, publishing, and the
 * album then found by listeners in search and on its page.
 */
describe('artist studio in Chromium', { skip: chromiumMissing }, () => {
  let server: TestServer;
  let scratch: string;
  let browser: Browser;
  let page: Page;
  const files = { dawn: '', dusk: '', broken: '', cover: '' };

  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
    scratch = await mkdtemp(join(tmpdir(), 'cadenza-e2e-studio-'));
    files.dawn = await makeTone(join(scratch, 'dawn.flac'), { seconds: 4, frequency: 330 });
    files.dusk = await makeTone(join(scratch, 'dusk.flac'), { seconds: 5, frequency: 550 });
    files.broken = join(scratch, 'broken.flac');
    await writeFile(files.broken, Buffer.from('this is not audio at all '.repeat(200)));
    files.cover = join(scratch, 'cover.png');
    await sharp({ create: { width: 600, height: 600, channels: 3, background: '#b0413e' } })
      .png()
      .toFile(files.cover);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
    // Deleting a track asks for confirmation.
    page.on('dialog', (dialog) => void dialog.accept());
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const tracks = () => page.getByRole('list', { name: 'Tracks' }).getByTestId('studio-track');
  const titles = () => tracks().locator('.studio-track-title').allTextContents();
  const stateOf = (title: string) => tracks().filter({ hasText: title }).getByTestId('job-state');

  /** Uploads one file with a title; the request waits `holdMs` so that its progress bar can be seen. */
  const uploadTrack = async (title: string, path: string, holdMs = 0) => {
    let release: () => void = () => undefined;
    if (holdMs > 0) {
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route('**/v1/studio/albums/*/tracks', async (route) => {
        await Promise.race([held, new Promise((resolve) => setTimeout(resolve, holdMs))]);
        await route.continue();
      });
    }
    const form = page.getByRole('form', { name: 'Upload tracks' });
    await form.getByLabel('Track title (optional)').fill(title);
    await form.getByLabel('Audio file').setInputFiles(path);
    await form.getByRole('button', { name: 'Upload track' }).click();
    if (holdMs > 0) {
      const bar = page.getByRole('progressbar', { name: `Uploading ${title}` });
      await bar.waitFor();
      await page.getByRole('list', { name: 'Uploads in progress' }).getByText(/\d+%/).waitFor();
      await screenshot(page, 'studio-uploading');
      release();
      await bar.waitFor({ state: 'detached' });
      await page.unroute('**/v1/studio/albums/*/tracks');
    }
    await tracks().filter({ hasText: title }).waitFor();
  };

  it('creates a draft, uploads artwork and tracks, and watches ingest reach ready', async () => {
    const artist = await server.account({ role: 'artist' });
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Username').fill(artist.username);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Studio' }).click();
    await page.getByRole('form', { name: 'New album' }).getByLabel('Name').fill(ALBUM);
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.getByRole('heading', { name: ALBUM, level: 1 }).waitFor();
    assert.match(page.url(), /\/studio\/album\//);

    await page.getByLabel('Upload artwork').setInputFiles(files.cover);
    await page.locator('header.studio-head img.artwork').waitFor();

    await uploadTrack('Dawn Chorus', files.dawn, 1500);
    await uploadTrack('Dusk Chorus', files.dusk);
    const seen = new Set<string>();
    for (const title of ['Dawn Chorus', 'Dusk Chorus']) {
      seen.add((await stateOf(title).textContent()) ?? '');
    }
    await tracks().last().scrollIntoViewIfNeeded();
    await screenshot(page, 'studio-processing');
    for (const title of ['Dawn Chorus', 'Dusk Chorus']) {
      await stateOf(title)
        .filter({ hasText: /^Ready$/ })
        .waitFor({ timeout: 60_000 });
    }
    assert.ok(
      [...seen].every((s) => /^(Queued|Processing \d+%|Ready)/.test(s)),
      `states before ready: ${[...seen].join(', ')}`,
    );
    assert.deepEqual(await titles(), ['Dawn Chorus', 'Dusk Chorus']);
    assert.notEqual(await tracks().first().locator('.studio-track-time').textContent(), '–:––', 'a duration');
    await screenshot(page, 'studio-ready');
  });

  it('shows why a corrupt upload failed, and deleting it leaves the good tracks', async () => {
    await uploadTrack('Static', files.broken);
    await stateOf('Static')
      .filter({ hasText: /^Failed: .*not a readable audio file/ })
      .waitFor({ timeout: 60_000 });
    await stateOf('Static').scrollIntoViewIfNeeded();
    await screenshot(page, 'studio-failed');
    await page.getByRole('button', { name: 'Delete Static' }).click();
    await tracks().filter({ hasText: 'Static' }).waitFor({ state: 'detached' });
    assert.deepEqual(await titles(), ['Dawn Chorus', 'Dusk Chorus']);
  });

  it('reorders the tracks, and the order is kept', async () => {
    await page.getByRole('button', { name: 'Move Dusk Chorus up' }).click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="studio-track"] .studio-track-title')?.textContent === 'Dusk Chorus',
    );
    await page.reload();
    await tracks().first().waitFor();
    assert.deepEqual(await titles(), ['Dusk Chorus', 'Dawn Chorus'], 'the server kept the new order');
  });

  it('sets a release date and clears it again', async () => {
    const details = page.getByRole('form', { name: 'Album details' });
    const summary = page.locator('header.studio-head p.muted');
    await details.getByLabel('Release date').fill('2025-06-21');
    await details.getByRole('button', { name: 'Save details' }).click();
    await summary.filter({ hasText: '2025' }).waitFor();
    await details.getByRole('button', { name: 'Clear date' }).click();
    assert.equal(await details.getByLabel('Release date').inputValue(), '');
    await details.getByRole('button', { name: 'Save details' }).click();
    await summary.filter({ hasNotText: '2025' }).waitFor();
    await page.reload();
    await details.getByLabel('Release date').waitFor();
    assert.equal(await details.getByLabel('Release date').inputValue(), '', 'no date stored');
  });

  it('publishes, and listeners find the album in search and on its page in that order', async () => {
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('link', { name: 'View as listener' }).waitFor();
    await screenshot(page, 'studio-published');

    await page.getByRole('searchbox', { name: 'Search' }).fill('field recordings');
    await page.getByTestId('best-match').getByRole('link', { name: ALBUM }).click();
    await page.getByRole('heading', { name: ALBUM, level: 1 }).waitFor();
    const rows = page.locator('tr[data-track-id] .track-title');
    await rows.first().waitFor();
    assert.deepEqual(await rows.allTextContents(), ['Dusk Chorus', 'Dawn Chorus']);
    const art = page.getByRole('main').locator('img.artwork').first();
    assert.match((await art.getAttribute('src')) ?? '', /\S/, 'the album shows its artwork');
    await screenshot(page, 'studio-album-listener');
  });
});
