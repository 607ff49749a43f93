/**
 * PATCH /config on the in-process router (what `serval router --workers 1` and standalone run):
 * the delta scenario through the admin API, and applies serialized in arrival order.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ConfigDeltaMismatchError } from '../../../src/contract/config-delta.js';
import { startAdminHarness, type AdminHarness } from './support/admin-harness.js';
import { delta, doc, expectServed, host, runDeltaScenario, type DeltaTarget } from './support/delta-scenario.js';
import { freePort, startUpstream, type Upstream } from './support/fixtures.js';
import { TOKEN } from './support/http.js';

let h: AdminHarness;
let upA: Upstream;
let upB: Upstream;
let t: DeltaTarget;

beforeAll(async () => {
  let listenPort: number;
  [upA, upB, listenPort] = await Promise.all([startUpstream('A'), startUpstream('B'), freePort()]);
  h = await startAdminHarness(['--admin-token', TOKEN]);
  t = { base: h.url, listenPort, portA: upA.port, portB: upB.port };
});

afterAll(async () => {
  await h?.close();
  await Promise.all([upA?.close(), upB?.close()]);
});

test('PATCH /config: add, change and remove hosts and pools; 400 and 412 leave the live config serving', async () => {
  await runDeltaScenario(t);
}, 60_000);

test('applies run one at a time in arrival order, each delta parsed against the config live at its turn', async () => {
  const poolA = { name: 'pool-a', endpoints: [{ host: '127.0.0.1', port: t.portA }] };
  const poolB = { name: 'pool-b', endpoints: [{ host: '127.0.0.1', port: t.portB }] };
  const v0 = doc(t, [host('s', 'pool-a')], [poolA]);
  const v1 = doc(t, [host('s', 'pool-a'), host('s1', 'pool-b')], [poolA, poolB]);
  const v2 = doc(t, [host('s', 'pool-b'), host('s1', 'pool-b')], [poolA, poolB]);
  const v3 = doc(t, [host('s', 'pool-b')], [poolB]);
  // Issued together, without waiting: the PUT, then deltas that each need the one before applied.
  const results = await Promise.allSettled([h.router.apply(v0), h.router.applyDelta(delta(v0, v1)), h.router.applyDelta(delta(v1, v2)), h.router.applyDelta(delta(v0, v3))]);
  expect(results.slice(0, 3).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  expect(results.slice(0, 3).map((r) => (r as PromiseFulfilledResult<{ version: string }>).value.version)).toEqual([v0.version, v1.version, v2.version]);
  // The last one was built on v0, which is no longer live when its turn comes.
  expect(results[3].status).toBe('rejected');
  expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(ConfigDeltaMismatchError);
  expect(h.router.current?.version).toBe(v2.version);
  await expectServed(t, { s: { status: 200, body: 'B' }, s1: { status: 200, body: 'B' } });
}, 60_000);
