import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { runImport } from '../../src/cli/import.js';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';
import { chromiumMissing, launchBrowser, screenshot, waitForPlayerState } from './browser.js';
import { makeFixtures } from './player-fixtures.js';

const PASSWORD = 'a long enough password';

/**
 * Connect with two browsers of one listener: each sees the other in its devices menu, playback moves
 * from one to the other, and the one that does not play controls the one that does.
 */
describe('Connect between two browsers', { skip: chromiumMissing }, () => {
  let server: TestServer;
  let music: string;
  let browser: Browser;
  let desk: { context: BrowserContext; page: Page };
  let kitchen: { context: BrowserContext; page: Page };
  const username = `connect${Date.now().toString(36)}`;
  let liveDown = false;
  let deskLive: WebSocketRoute | undefined;
  /** The desk's `player.report` frames, with when (this clock) they left the page. */
  const deskReports: { at: number; frame: { position_ms: number; is_playing: boolean } }[] = [];

  const open = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
    return { context, page };
  };

  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
    music = await mkdtemp(join(tmpdir(), 'cadenza-connect-'));
    await makeFixtures(music);
    const report = await runImport(server.services, music, { json: true, transcode: 'eager' });
    assert.equal(report.failed.length, 0, JSON.stringify(report.failed));
    browser = await launchBrowser();
    desk = await open();
    kitchen = await open();
    // The desk's live socket goes through the test, which can cut it and keep it down for a while.
    await desk.page.routeWebSocket(/\/v1\/live/, (ws) => {
      if (liveDown) return void ws.close();
      deskLive = ws;
      const upstream = ws.connectToServer();
      ws.onMessage((message) => {
        if (typeof message === 'string' && message.includes('"player.report"')) {
          deskReports.push({ at: Date.now(), frame: JSON.parse(message) });
        }
        upstream.send(message);
      });
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (music) await rm(music, { recursive: true, force: true });
  });

  const bar = (page: Page) => page.getByTestId('now-playing');
  const engine = (page: Page) => page.evaluate(() => window.cadenza?.player.getState());
  /** The devices menu of `page`, opened. */
  const devicesMenu = async (page: Page) => {
    const menu = page.getByRole('dialog', { name: 'Devices' });
    if (!(await menu.isVisible())) await page.getByRole('button', { name: 'Connect to a device' }).click();
    await menu.waitFor();
    return menu;
  };
  const closeMenu = async (page: Page) => {
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Devices' }).waitFor({ state: 'detached' });
  };
  /** Sets a slider of the bar as a key press would (one change, committed at once). */
  const setSlider = (page: Page, name: string, value: number) =>
    bar(page)
      .getByRole('slider', { name })
      .evaluate((input: HTMLInputElement, to) => {
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, String(to));
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }, value);
  const rename = async (page: Page, name: string) => {
    const menu = await devicesMenu(page);
    await menu.getByLabel('Name of this browser').fill(name);
    await menu.getByRole('button', { name: 'Rename' }).click();
    await menu.getByRole('button', { name: new RegExp(`This browser.*${name}`) }).waitFor();
    await closeMenu(page);
  };

  it('lists both browsers in each one’s devices menu, under the names given them', async () => {
    await desk.page.goto(`${server.url}/signup`);
    await desk.page.getByLabel('Username').fill(username);
    await desk.page.getByLabel('Password').fill(PASSWORD);
    await desk.page.getByRole('button', { name: 'Sign up' }).click();
    await desk.page.getByRole('navigation', { name: 'Main' }).waitFor();
    await kitchen.page.goto(`${server.url}/login`);
    await kitchen.page.getByLabel('Username').fill(username);
    await kitchen.page.getByLabel('Password').fill(PASSWORD);
    await kitchen.page.getByRole('button', { name: 'Log in' }).click();
    await kitchen.page.getByRole('navigation', { name: 'Main' }).waitFor();

    await rename(desk.page, 'Desk');
    await rename(kitchen.page, 'Kitchen');
    const deskMenu = await devicesMenu(desk.page);
    await deskMenu.getByRole('button', { name: /^Kitchen/ }).waitFor({ timeout: 5_000 });
    await deskMenu.getByRole('button', { name: /^This browser/ }).waitFor();
    await closeMenu(desk.page);
    const kitchenMenu = await devicesMenu(kitchen.page);
    await kitchenMenu.getByRole('button', { name: /^Desk/ }).waitFor({ timeout: 5_000 });
    await closeMenu(kitchen.page);
  });

  it('moves playback to the other browser, which goes on from the same position', async () => {
    const page = desk.page;
    await page.getByRole('searchbox', { name: 'Search' }).fill('long horizon');
    await page.getByTestId('best-match').getByRole('button', { name: /^Play/ }).click();
    await waitForPlayerState(page, `s.status === 'playing' && s.positionMs > 3000`);

    const menu = await devicesMenu(page);
    await menu.locator('[aria-current="true"]', { hasText: 'This browser' }).waitFor();
    await screenshot(page, 'connect-devices-menu');
    await menu.getByRole('button', { name: /^Kitchen/ }).click();

    await waitForPlayerState(kitchen.page, `s.status === 'playing'`);
    const started = await engine(kitchen.page);
    await waitForPlayerState(page, `s.status === 'paused'`, 5_000);
    const left = await engine(page);
    assert.equal(started?.queue[started.index]?.title, 'Long Horizon');
    assert.ok(
      Math.abs(started!.positionMs - left!.positionMs) < 1000,
      `the kitchen started at ${started!.positionMs} ms, the desk stopped at ${left!.positionMs} ms`,
    );
    await waitForPlayerState(kitchen.page, `s.status === 'playing' && s.positionMs > ${started!.positionMs + 500}`);

    // The desk is silent and says where the music is; its bar follows the kitchen's playback.
    await bar(page).getByTestId('remote-strip').filter({ hasText: 'Playing on Kitchen' }).waitFor();
    await bar(page).and(page.locator('[data-status="playing"]')).waitFor();
    assert.equal(await bar(page).getByTestId('now-playing-title').textContent(), 'Long Horizon');
    assert.equal((await engine(page))?.status, 'paused', 'the desk’s engine stays paused');
    await screenshot(page, 'connect-remote-strip');
    await page.setViewportSize({ width: 375, height: 812 });
    await bar(page).getByTestId('remote-strip').waitFor();
    await screenshot(page, 'connect-remote-strip-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    const menuAfter = await devicesMenu(page);
    await menuAfter.locator('[aria-current="true"]', { hasText: 'Kitchen' }).waitFor();
    await closeMenu(page);
  });

  it('pauses, seeks, resumes and sets the volume of the other browser from this one', async () => {
    const page = desk.page;
    await bar(page).getByRole('button', { name: 'Pause', exact: true }).click();
    await waitForPlayerState(kitchen.page, `s.status === 'paused'`, 5_000);
    await bar(page).and(page.locator('[data-status="paused"]')).waitFor();

    const held = (await engine(kitchen.page))!.positionMs;
    const shown = await page.getByTestId('elapsed').textContent();
    const [m = 0, sec = 0] = (shown ?? '').split(':').map(Number);
    assert.ok(Math.abs(m * 60 + sec - held / 1000) < 1.5, `the desk shows ${shown}, the kitchen paused at ${held} ms`);

    await setSlider(page, 'Seek', 60_000);
    // Both bars show the new place; the kitchen stays paused there.
    await page.getByTestId('elapsed').filter({ hasText: '1:00' }).waitFor();
    await bar(kitchen.page).and(kitchen.page.locator('[data-status="paused"]')).getByText('1:00').waitFor();

    await bar(page).getByRole('button', { name: 'Play', exact: true }).click();
    await waitForPlayerState(
      kitchen.page,
      `s.status === 'playing' && s.positionMs > 60500 && s.positionMs < 64000`,
      5_000,
    );
    // The desk's bar runs on between the kitchen's reports.
    await page
      .getByTestId('elapsed')
      .filter({ hasText: /1:0[2-9]/ })
      .waitFor({ timeout: 5_000 });

    await setSlider(page, 'Volume', 30);
    await waitForPlayerState(kitchen.page, `Math.abs(s.volume - 0.3) < 0.01`, 5_000);
    await page.waitForFunction(
      () => (document.querySelector('[aria-label="Volume"]') as HTMLInputElement | null)?.value === '30',
    );
    assert.equal((await engine(page))?.status, 'paused', 'the desk’s engine stayed silent throughout');
  });

  it('plays an album picked on this screen on the other browser, and skips there', async () => {
    const page = desk.page;
    await page.getByRole('searchbox', { name: 'Search' }).fill('tone poems');
    await page.getByTestId('best-match').getByRole('link', { name: 'Tone Poems' }).click();
    await page.getByRole('heading', { name: 'Tone Poems', level: 1 }).waitFor();
    const row = page.locator('tr[data-track-id]', { hasText: 'First Light' }).first();
    await row.hover();
    await row.getByRole('button', { name: 'Play First Light', exact: true }).click();
    await waitForPlayerState(kitchen.page, `s.status === 'playing' && s.queue[s.index].title === 'First Light'`, 5_000);
    assert.equal((await kitchen.page.evaluate(() => window.cadenza!.player.getState())).queue.length, 3);
    await bar(page).getByTestId('now-playing-title').filter({ hasText: 'First Light' }).waitFor();

    await bar(page).getByRole('button', { name: 'Next', exact: true }).click();
    await waitForPlayerState(kitchen.page, `s.queue[s.index].title === 'Second Wind'`, 5_000);
    await bar(page).getByTestId('now-playing-title').filter({ hasText: 'Second Wind' }).waitFor();
    // The desk's queue screen lists what follows on the kitchen.
    await page.getByRole('link', { name: 'Queue' }).first().click();
    await page.getByRole('table', { name: 'Next up' }).getByText('Third Rail').waitFor();
    assert.equal((await engine(page))?.status, 'paused', 'the desk’s engine stayed silent');
  });

  it('catches up after its connection comes back with what it missed meanwhile', async () => {
    const page = desk.page;
    await bar(page).and(page.locator('[data-status="playing"]')).waitFor();
    liveDown = true;
    await deskLive!.close();
    await bar(kitchen.page).getByRole('button', { name: 'Pause', exact: true }).click();
    await waitForPlayerState(kitchen.page, `s.status === 'paused'`, 5_000);
    // The pause happened while the desk heard nothing: its bar still says playing.
    assert.equal(await bar(page).getAttribute('data-status'), 'playing');
    liveDown = false;
    await bar(page).and(page.locator('[data-status="paused"]')).waitFor({ timeout: 20_000 });
    await bar(page).getByTestId('remote-strip').filter({ hasText: 'Playing on Kitchen' }).waitFor();
    await bar(kitchen.page).getByRole('button', { name: 'Play', exact: true }).click();
    await bar(page).and(page.locator('[data-status="playing"]')).waitFor({ timeout: 5_000 });
  });

  it('drops a closed browser from the devices menu within seconds', async () => {
    await kitchen.context.close();
    const menu = await devicesMenu(desk.page);
    await menu.getByRole('button', { name: /^Kitchen/ }).waitFor({ state: 'detached', timeout: 10_000 });
    await desk.page.getByTestId('remote-strip').waitFor({ state: 'detached' });
    await closeMenu(desk.page);
  });

  it('says where its music is at the moment it reports, not where the engine last said it was', async () => {
    const page = desk.page;
    await page.getByRole('searchbox', { name: 'Search' }).fill('long horizon');
    await page.getByTestId('best-match').getByRole('button', { name: /^Play/ }).click();
    await waitForPlayerState(page, `s.status === 'playing' && s.positionMs > 1000`);
    // The engine's events stop reaching the page's player for a while (as between two of its ticks, longer).
    const frozenAt = (await engine(page))!.positionMs;
    await page.evaluate(() => {
      const listeners = (window.cadenza!.player as unknown as { listeners: Set<unknown> }).listeners;
      (window as unknown as { frozen: unknown[] }).frozen = [...listeners];
      listeners.clear();
    });
    await waitForPlayerState(page, `s.positionMs > ${frozenAt + 1500}`, 5_000);
    // A reconnection makes the device report what it plays (a report no engine event asked for).
    const seen = deskReports.length;
    await deskLive!.close();
    await eventually(async () => deskReports.length > seen, 20_000, 'a report after the connection comes back');
    const report = deskReports[seen]!;
    const now = await engine(page);
    const expected = now!.positionMs - (Date.now() - report.at);
    await page.evaluate(() => {
      const listeners = (window.cadenza!.player as unknown as { listeners: Set<unknown> }).listeners;
      for (const l of (window as unknown as { frozen: unknown[] }).frozen) listeners.add(l);
    });
    assert.ok(report.frame.is_playing);
    assert.ok(
      Math.abs(report.frame.position_ms - expected) < 250,
      `reported ${report.frame.position_ms} ms while the engine was at about ${Math.round(expected)} ms`,
    );
  });

  it('a second tab of this browser takes the device; the first goes silent, says so, and can take it back', async () => {
    const first = desk.page;
    await waitForPlayerState(first, `s.status === 'playing'`, 5_000);
    const second = await desk.context.newPage();
    try {
      await second.goto(`${server.url}/`);
      await second.getByRole('navigation', { name: 'Main' }).waitFor();
      const strip = bar(first).getByTestId('replaced-strip');
      await strip.filter({ hasText: 'Cadenza is playing in another tab' }).waitFor({ timeout: 5_000 });
      await waitForPlayerState(first, `s.status === 'paused'`, 5_000);
      await screenshot(first, 'connect-replaced-tab');
      await strip.getByRole('button', { name: 'Use this tab' }).click();
      await bar(second).getByTestId('replaced-strip').waitFor({ timeout: 5_000 });
      await strip.waitFor({ state: 'detached' });
      // This tab is the device again: it plays, the other one stays silent.
      await bar(first).getByRole('button', { name: 'Play', exact: true }).click();
      await waitForPlayerState(first, `s.status === 'playing'`, 5_000);
      assert.notEqual((await engine(second))?.status, 'playing');
      await bar(second).getByTestId('replaced-strip').waitFor();
    } finally {
      await second.close();
    }
  });
});
