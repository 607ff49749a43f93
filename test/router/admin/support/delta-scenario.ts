/**
 * PATCH /config end to end, run against any router (in-process harness or the `serval router`
 * process with workers): deltas computed the way the control plane does (diffConfigs between two
 * versioned documents), checked through the router's listener against real upstreams.
 */
import { expect } from 'vitest';
import { diffConfigs } from '../../../../src/contract/config-delta.js';
import { withVersion } from '../../../../src/contract/config-version.js';
import type { ConfigDelta, RouterConfig, VirtualHostConfig } from '../../../../src/contract/router-config.schema.js';
import { admin, AUTH, get } from './http.js';

export interface DeltaTarget {
  /** Admin API base URL. */
  base: string;
  listenPort: number;
  /** Upstreams answering "A" and "B". */
  portA: number;
  portB: number;
}

export const host = (name: string, pool: string, path = '/'): VirtualHostConfig => ({
  name,
  hostnames: [`${name}.test`],
  routes: [{ name: `${name}-route`, match: { path: { type: 'PathPrefix', value: path } }, backends: [{ pool, weight: 1 }] }],
});

/** A versioned document: one listener "web" with these hosts. */
export function doc(t: DeltaTarget, vhosts: VirtualHostConfig[], pools: RouterConfig['pools']): RouterConfig {
  return withVersion({ listeners: [{ name: 'web', address: '127.0.0.1', port: t.listenPort, protocol: 'HTTP', virtualHosts: vhosts }], pools });
}

export function delta(before: RouterConfig, after: RouterConfig): ConfigDelta {
  const d = diffConfigs(before, after);
  if (!d) throw new Error('no delta between these documents');
  return d;
}

/** GET / on `<name>.test` through the router. */
export const via = (t: DeltaTarget, name: string, path = '/'): Promise<{ status: number; body: string }> => get(t.listenPort, path, undefined, `${name}.test`);

export async function patch(t: DeltaTarget, body: unknown, headers: Record<string, string> = AUTH): Promise<{ status: number; json: any; text: string }> {
  return admin(t.base, 'PATCH', '/config', body, headers);
}

/** Waits until every worker serves what `check` expects (new connections land on any worker). */
export async function expectServed(t: DeltaTarget, expected: Record<string, { status: number; body?: string }>, rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    for (const [name, want] of Object.entries(expected)) {
      const r = await via(t, name);
      expect(r.status, `${name}.test`).toBe(want.status);
      if (want.body !== undefined) expect(r.body, `${name}.test`).toBe(want.body);
    }
  }
}

/**
 * The whole happy path and every refusal, in order, starting from a router with no config:
 * 412 before any config; PUT; PATCH adding a host and a pool and changing a host; PATCH removing a
 * host and a pool; 400 and 412 refusals leaving the last config serving; a no-op delta.
 */
export async function runDeltaScenario(t: DeltaTarget): Promise<void> {
  const poolA = { name: 'pool-a', endpoints: [{ host: '127.0.0.1', port: t.portA }] };
  const poolB = { name: 'pool-b', endpoints: [{ host: '127.0.0.1', port: t.portB }] };
  const v0 = doc(t, [host('a', 'pool-a'), host('b', 'pool-a')], [poolA]);

  // No config yet: nothing to apply a delta to.
  const early = await patch(t, { baseVersion: 'x', version: 'y' });
  expect(early.status, early.text).toBe(412);
  expect(early.json).toMatchObject({ error: 'delta does not apply', path: '' });
  expect(early.json.reason).toMatch(/no config/);
  expect((await admin(t.base, 'GET', '/config')).json.version).toBeNull();

  const put = await admin(t.base, 'PUT', '/config', v0, AUTH);
  expect(put.status, put.text).toBe(200);
  expect(put.json.version).toBe(v0.version);
  await expectServed(t, { a: { status: 200, body: 'A' }, b: { status: 200, body: 'A' }, c: { status: 404 } });

  // Add host c and pool-b; move b to pool-b.
  const v1 = doc(t, [host('a', 'pool-a'), host('b', 'pool-b'), host('c', 'pool-b')], [poolA, poolB]);
  const d1 = delta(v0, v1);
  expect(d1.virtualHosts?.map((v) => v.virtualHost.name).sort()).toEqual(['b', 'c']);
  expect(d1.pools?.map((p) => p.name)).toEqual(['pool-b']);
  const r1 = await patch(t, d1);
  expect(r1.status, r1.text).toBe(200);
  expect(r1.json).toMatchObject({ ok: true, version: v1.version, changed: true });
  expect(Date.parse(r1.json.changedAt)).not.toBeNaN();
  await expectServed(t, { a: { status: 200, body: 'A' }, b: { status: 200, body: 'B' }, c: { status: 200, body: 'B' } });
  const live1 = await admin(t.base, 'GET', '/config');
  expect(live1.json.version).toBe(v1.version);
  expect(live1.json.config.listeners[0].virtualHosts.map((v: VirtualHostConfig) => v.name)).toEqual(['a', 'b', 'c']);

  // Remove host c and pool-b; b back to pool-a.
  const v2 = doc(t, [host('a', 'pool-a'), host('b', 'pool-a')], [poolA]);
  const d2 = delta(v1, v2);
  expect(d2.removedVirtualHosts).toEqual([{ listener: 'web', name: 'c' }]);
  expect(d2.removedPools).toEqual(['pool-b']);
  const r2 = await patch(t, d2);
  expect(r2.status, r2.text).toBe(200);
  expect(r2.json.version).toBe(v2.version);
  await expectServed(t, { a: { status: 200, body: 'A' }, b: { status: 200, body: 'A' }, c: { status: 404 } });

  const stillV2 = async (): Promise<void> => {
    expect((await admin(t.base, 'GET', '/config')).json.version).toBe(v2.version);
    await expectServed(t, { a: { status: 200, body: 'A' }, b: { status: 200, body: 'A' }, c: { status: 404 } }, 2);
  };
  const v3 = doc(t, [host('a', 'pool-a'), host('b', 'pool-a'), host('d', 'pool-a')], [poolA]);

  // 412: based on a version that is not live (v1), or claiming a version the result does not hash to.
  const stale = await patch(t, delta(v1, doc(t, [host('a', 'pool-a')], [poolA])));
  expect(stale.status, stale.text).toBe(412);
  expect(stale.json.reason).toContain(v1.version!);
  await stillV2();
  const wrongVersion = await patch(t, { ...delta(v2, v3), version: '0123456789abcdef' });
  expect(wrongVersion.status, wrongVersion.text).toBe(412);
  expect(wrongVersion.json.reason).toMatch(/version/);
  await stillV2();
  // 412: a listener the config does not have.
  const noListener = await patch(t, { ...delta(v2, v3), virtualHosts: [{ listener: 'nope', virtualHost: host('d', 'pool-a') }] });
  expect(noListener.status, noListener.text).toBe(412);
  await stillV2();

  // 400: a malformed body names the field; so does a host that references a pool nobody has.
  const malformed = await patch(t, { baseVersion: v2.version, version: v3.version, virtualHosts: [{ listener: 'web', virtualHost: { name: 'd', hostnames: ['d.test'], routes: [{ name: 'x', match: {} }] } }] });
  expect(malformed.status, malformed.text).toBe(400);
  expect(malformed.json).toMatchObject({ error: 'invalid config', path: '/virtualHosts/0/virtualHost/routes/0' });
  expect(malformed.json.reason).toMatch(/backends/);
  await stillV2();
  const unknownField = await patch(t, { ...delta(v2, v3), extra: true });
  expect(unknownField.status, unknownField.text).toBe(400);
  expect(unknownField.json.reason).toMatch(/unknown field "extra"/);
  const badJson = await patch(t, '{"baseVersion":');
  expect(badJson.status).toBe(400);
  // (the delta adds host d on pool-z but leaves pool-z itself out)
  const { pools: _left, ...withoutPool } = delta(v2, doc(t, [host('a', 'pool-a'), host('b', 'pool-a'), host('d', 'pool-z')], [poolA, { name: 'pool-z', endpoints: [] }]));
  const unknownPool = await patch(t, withoutPool);
  expect(unknownPool.status, unknownPool.text).toBe(400);
  expect(unknownPool.json.reason).toMatch(/unknown pool "pool-z"/);
  await stillV2();

  // Changes need the token, like every other change.
  const anonymous = await patch(t, delta(v2, v3), {});
  expect(anonymous.status).toBe(401);
  await stillV2();

  // A delta to the version already live changes nothing.
  const noop = await patch(t, { baseVersion: v2.version, version: v2.version });
  expect(noop.status, noop.text).toBe(200);
  expect(noop.json).toMatchObject({ version: v2.version, changed: false });

  // And the next real delta still applies on top.
  const r3 = await patch(t, delta(v2, v3));
  expect(r3.status, r3.text).toBe(200);
  await expectServed(t, { a: { status: 200, body: 'A' }, d: { status: 200, body: 'A' } });
}

/** Swap tests' generation i: pool "up" on A (even) or B (odd), a generation route, i % 10 extra hosts, 200 stable hosts. */
export function generation(i: number, listenPort: number, portA: number, portB: number, stable: VirtualHostConfig[]): RouterConfig {
  const catchAll: VirtualHostConfig = {
    name: 'any',
    hostnames: ['*'],
    routes: [
      { name: `generation-${i}`, match: { path: { type: 'Exact', value: `/generation/${i}` } }, backends: [{ pool: 'up', weight: 1 }] },
      { name: `catch-all-${i % 2}`, match: { path: { type: 'PathPrefix', value: '/' } }, backends: [{ pool: 'up', weight: 1 }] },
    ],
  };
  const extras = Array.from({ length: i % 10 }, (_, r) => host(`extra-${r}`, 'up'));
  return withVersion({
    listeners: [{ name: 'web', address: '127.0.0.1', port: listenPort, protocol: 'HTTP', virtualHosts: [catchAll, ...extras, ...stable] }],
    pools: [{ name: 'up', endpoints: [{ host: '127.0.0.1', port: i % 2 === 0 ? portA : portB }] }],
  });
}

export const stableHosts = (): VirtualHostConfig[] => Array.from({ length: 200 }, (_, s) => host(`stable-${s}`, 'up'));
