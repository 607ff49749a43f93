/**
 * The dashboard in headless Chromium against the real router: enter the admin token, watch traffic
 * counters move, push a new config through the admin API and see the new route, its filter and its
 * pools appear without a reload. Leaves a screenshot in test-output/dashboard.png.
 * Needs Debian's chromium (/usr/bin/chromium); skipped with one line without it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, startUpstream, type Upstream } from '../admin/support/fixtures.js';
import { shopConfig, shopWithApiConfig } from './support/configs.js';
import { hit, startRouter, TOKEN, type RunningRouter } from './support/router.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = new URL('../../../test-output/', import.meta.url).pathname;
const missing = !existsSync(CHROMIUM);
if (missing) console.warn(`[dashboard browser test] SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium)`);

/** Text of the routes table's cell in `column` (0-based) of the row whose route name is `route`. */
function routeCell(page: Page, route: string, column: number) {
  return page.locator('#routes tbody tr', { has: page.locator('td.route-name', { hasText: route }) }).locator('td').nth(column);
}

describe.skipIf(missing)('dashboard in headless Chromium', () => {
  let r: RunningRouter;
  let web: Upstream;
  let api: Upstream;
  let listenPort: number;
  let profile: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [r, web, api] = await Promise.all([startRouter(), startUpstream('web'), startUpstream('api')]);
    listenPort = await freePort();
    await r.push(shopConfig(listenPort, web.port));
    profile = mkdtempSync(join(tmpdir(), 'serval-chromium-'));
    // launchPersistentContext is how Playwright takes a fresh --user-data-dir.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await Promise.all([r?.close(), web?.close(), api?.close()]);
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test('asks for the admin token, then shows the live config', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !m.text().includes('401') && errors.push(m.text()));
    await page.goto(r.adminUrl + '/');
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 30_000 }).toBe('admin token required');

    await page.fill('#token-input', TOKEN);
    await page.click('#token button');
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 30_000 }).toBe('live');
    expect(await page.evaluate("sessionStorage.getItem('serval-admin-token')")).toBe(TOKEN);
    expect(await page.locator('#version').textContent()).toBe(r.router.current!.version);
    expect(await page.locator('#listeners tbody').textContent()).toContain(`127.0.0.1:${listenPort}`);
    expect(await routeCell(page, 'shop/storefront/0/0', 2).textContent()).toBe('PathPrefix /');
    expect(errors).toEqual([]);
  });

  test('counts requests per route as they happen', async () => {
    for (let i = 0; i < 4; i++) expect(await hit(listenPort, '/')).toBe(200);
    // Column 7 is the cumulative request count.
    await expect.poll(() => routeCell(page, 'shop/storefront/0/0', 7).textContent(), { timeout: 30_000 }).toBe('4');
  });

  test('a config pushed through the admin API appears without a reload', async () => {
    // Page-side code as strings: the test compiles without the DOM lib.
    await page.evaluate('window.servalMarker = 42');
    const version = await r.push(shopWithApiConfig(listenPort, web.port, api.port, await freePort()));

    await expect.poll(() => page.locator('#version').textContent(), { timeout: 30_000 }).toBe(version);
    await expect.poll(() => page.locator('#routes td.route-name').allTextContents(), { timeout: 30_000 }).toEqual([
      'shop/api/0/0',
      'shop/storefront/0/0',
      'shop/legacy/0/0',
    ]);
    expect(await routeCell(page, 'shop/api/0/0', 3).textContent()).toBe('rewrite prefix -> /v2');
    expect(await routeCell(page, 'shop/api/0/0', 4).textContent()).toBe('api-v1 90%api-v2 10%');
    expect(await page.locator('#swaps').textContent()).toBe('2');

    // A failing endpoint: the route's 5xx count and the endpoint's ejection both show up.
    expect(await hit(listenPort, '/legacy')).toBeGreaterThanOrEqual(500);
    for (let i = 0; i < 3; i++) expect(await hit(listenPort, '/api/items')).toBe(200);
    await expect.poll(() => routeCell(page, 'shop/legacy/0/0', 8).textContent(), { timeout: 30_000 }).toBe('1');
    await expect.poll(() => routeCell(page, 'shop/api/0/0', 7).textContent(), { timeout: 30_000 }).toBe('3');
    await expect.poll(() => page.locator('#pools tbody tr', { hasText: 'legacy' }).textContent(), { timeout: 30_000 }).toMatch(/ejected until/);

    // Same document, same JavaScript state: nothing reloaded.
    expect(await page.evaluate('window.servalMarker')).toBe(42);
    expect(await page.evaluate("performance.getEntriesByType('navigation').length")).toBe(1);

    // Rates: keep traffic flowing until the page shows a non-zero req/s for the API route.
    let flowing = true;
    const traffic = (async () => {
      while (flowing) await hit(listenPort, '/api/items');
    })();
    try {
      await expect.poll(async () => Number(await routeCell(page, 'shop/api/0/0', 5).textContent()), { timeout: 30_000 }).toBeGreaterThan(0);
    } finally {
      flowing = false;
      await traffic;
    }

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
    expect(existsSync(join(OUTPUT, 'dashboard.png'))).toBe(true);
  });
});
