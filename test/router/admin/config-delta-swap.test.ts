/**
 * Zero failed requests while routes change by delta: 8 keep-alive clients hammer the router while
 * 100 PATCH /config deltas replace the catch-all host, move its pool between two upstreams, and add
 * and remove hosts, beside 200 hosts that never change.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startAdminHarness, type AdminHarness } from './support/admin-harness.js';
import { delta, generation, stableHosts } from './support/delta-scenario.js';
import { freePort, startUpstream, type Upstream } from './support/fixtures.js';
import { admin, AUTH, get, TOKEN } from './support/http.js';
import { startLoad } from './support/load.js';

let h: AdminHarness;
let upA: Upstream;
let upB: Upstream;
let listenPort: number;

beforeAll(async () => {
  [upA, upB, listenPort] = await Promise.all([startUpstream('A'), startUpstream('B'), freePort()]);
  h = await startAdminHarness(['--admin-token', TOKEN]);
});

afterAll(async () => {
  await h?.close();
  await Promise.all([upA?.close(), upB?.close()]);
});

test('100 delta swaps under 8 concurrent keep-alive clients: zero failed requests', async () => {
  const stable = stableHosts();
  const gen = (i: number) => generation(i, listenPort, upA.port, upB.port, stable);
  let previous = gen(0);
  expect((await admin(h.url, 'PUT', '/config', previous, AUTH)).status).toBe(200);
  const load = startLoad(listenPort, 8, (body) => body === 'A' || body === 'B');
  const versions = new Set<string>();
  try {
    for (let i = 1; i <= 100; i++) {
      const next = gen(i);
      const res = await admin(h.url, 'PATCH', '/config', delta(previous, next), AUTH);
      expect(res.status, res.text).toBe(200);
      expect(res.json.version).toBe(next.version);
      versions.add(res.json.version);
      previous = next;
      // Let traffic run on each generation for a moment (bounded: a loaded machine only slows the test).
      await load.more(8);
    }
  } finally {
    await load.stop();
  }
  expect(load.failures).toEqual([]);
  expect(versions.size).toBe(100);
  expect(load.done).toBeGreaterThan(800);
  // Both upstreams served: the deltas really changed where traffic goes.
  expect(load.bodies.get('A')).toBeGreaterThan(0);
  expect(load.bodies.get('B')).toBeGreaterThan(0);
  // Generation 100 (even) routes to A, its generation route exists and generation 99's is gone.
  expect(await get(listenPort, '/after')).toEqual({ status: 200, body: 'A' });
  expect((await get(listenPort, '/generation/100')).status).toBe(200);
  expect(await get(listenPort, '/stable', undefined, 'stable-7.test')).toEqual({ status: 200, body: 'A' });
  // Generation 100 has no extra hosts (extra-0.test falls to the catch-all): check the table.
  const routes = (await admin(h.url, 'GET', '/routes')).json as Array<{ route: string }>;
  expect(routes.some((r) => r.route === 'extra-0-route')).toBe(false);
  expect(routes.some((r) => r.route === 'generation-99')).toBe(false);
}, 120_000);
