import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildWebApp } from '../helpers/web.js';
import { chromiumMissing, launchBrowser } from './browser.js';

/**
 * Two tabs of one signed-in browser that refresh at the same moment. A refresh token works once, and
 * presenting a used one revokes the whole log-in (the server takes it for a stolen copy), so the tabs
 * must take turns: the second uses the tokens the first stored instead of refreshing again.
 */
describe('the session across tabs in Chromium', { skip: chromiumMissing }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;

  before(async () => {
    [server] = await Promise.all([startTestServer(), buildWebApp()]);
    browser = await launchBrowser();
    context = await browser.newContext();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const stored = (page: Page) =>
    page.evaluate(
      () => JSON.parse(localStorage.getItem('cadenza.session') ?? 'null') as { accessToken: string } | null,
    );

  it('keeps both tabs signed in when they refresh at once', async () => {
    const first = await context.newPage();
    await first.goto(`${server.url}/signup`);
    await first.getByLabel('Username').fill(`tabs${Date.now().toString(36)}`);
    await first.getByLabel('Password').fill('a long enough password');
    await first.getByRole('button', { name: 'Sign up' }).click();
    await first.getByRole('navigation', { name: 'Main' }).waitFor();
    const second = await context.newPage();
    await second.goto(server.url);
    await second.getByRole('navigation', { name: 'Main' }).waitFor();

    // Each round is a fresh race; the old client lost about half of them.
    for (let round = 0; round < 6; round++) {
      // The access token stops working: both tabs meet a 401 on their next request and refresh.
      const before = (await stored(first))?.accessToken as string;
      const revoked = await server.request('/api/revoke', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: before }),
      });
      assert.equal(revoked.status, 204);
      // Both tabs move to another screen at once; each screen's first request meets the 401. (Not a
      // reload: a document unloaded mid-refresh never stores the tokens it was given, and the next use
      // of its old refresh token then signs the log-in out, as a replayed token must.)
      const screen = round % 2 === 0 ? 'Library' : 'Home';
      await Promise.all([first, second].map((p) => p.getByRole('link', { name: screen, exact: true }).click()));
      for (const page of [first, second]) {
        await page.waitForFunction(
          (old) => {
            const s = JSON.parse(localStorage.getItem('cadenza.session') ?? 'null');
            return s === null || s.accessToken !== old;
          },
          before,
          { timeout: 15_000 },
        );
      }
      const after = await stored(first);
      assert.ok(after, `round ${round}: signed out`);
      assert.equal((await server.request('/v1/me', { token: after.accessToken })).status, 200);
      for (const page of [first, second]) await page.getByRole('navigation', { name: 'Main' }).waitFor();
    }
  });
});
