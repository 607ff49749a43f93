import { describe, expect, it } from 'vitest';
import { applyConfigDelta, ConfigDeltaMismatchError, diffConfigs } from '../../src/contract/config-delta.js';
import { configVersion } from '../../src/contract/config-version.js';
import type { ListenerConfig, PoolConfig, RouterConfig, VirtualHostConfig } from '../../src/contract/router-config.schema.js';
import { ConfigValidationError, parseConfigDelta, parseRouterConfig } from '../../src/contract/validate-config.js';

const vhost = (name: string, pool = 'p1', path = '/'): VirtualHostConfig => ({
  name,
  hostnames: [name],
  routes: [{ name: `${name}/r`, match: { path: { type: 'PathPrefix', value: path } }, backends: [{ pool, weight: 1 }] }],
});
const pool = (name: string, port = 8080): PoolConfig => ({ name, endpoints: [{ host: '127.0.0.1', port }] });
const listener = (name: string, port: number, vhosts: VirtualHostConfig[]): ListenerConfig => ({ name, address: '127.0.0.1', port, protocol: 'HTTP', virtualHosts: vhosts });

function base(): RouterConfig {
  return parseRouterConfig({
    listeners: [listener('a', 8001, ['b.test', 'd.test', 'f.test'].map((h) => vhost(h)))],
    pools: [pool('p1'), pool('p3')],
  });
}

/** `before` with the given changes, reusing every untouched piece as the same object (as the translator does). */
function edit(before: RouterConfig, change: (c: { listeners: ListenerConfig[]; pools: PoolConfig[] }) => void): RouterConfig {
  const draft = { listeners: before.listeners.map((l) => ({ ...l, virtualHosts: [...l.virtualHosts] })), pools: [...before.pools] };
  change(draft);
  return parseRouterConfig(draft);
}

describe('config deltas', () => {
  it('merge a few changes into a long sorted list as a fresh sort would place them (randomized)', () => {
    let seed = 11;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const name = (i: number) => `h${String(i).padStart(4, '0')}.test`;
    let current = parseRouterConfig({ listeners: [listener('a', 8001, Array.from({ length: 500 }, (_, i) => vhost(name(i * 2))))], pools: [pool('p1')] });
    for (let step = 0; step < 100; step++) {
      const hosts = current.listeners[0]!.virtualHosts;
      const removed = new Set(Array.from({ length: random(3) }, () => hosts[random(hosts.length)]!.name));
      const upserts = Array.from({ length: random(4) }, () => vhost(name(random(1_200)), 'p1', `/v${step}`));
      const unique = [...new Map(upserts.map((u) => [u.name, u])).values()];
      // What the document should be: the survivors and the upserts, sorted by name.
      const byName = new Map(hosts.filter((h) => !removed.has(h.name)).map((h) => [h.name, h]));
      for (const u of unique) byName.set(u.name, u);
      const expected = [...byName.values()].sort((x, y) => (x.name < y.name ? -1 : 1));
      const wanted = parseRouterConfig({ listeners: [listener('a', 8001, expected)], pools: current.pools });
      const next = applyConfigDelta(current, {
        baseVersion: current.version!,
        version: wanted.version!,
        virtualHosts: unique.map((virtualHost) => ({ listener: 'a', virtualHost })),
        removedVirtualHosts: [...removed].filter((n) => !byName.has(n)).map((n) => ({ listener: 'a', name: n })),
      });
      expect(next.listeners[0]!.virtualHosts.map((h) => h.name)).toEqual(expected.map((h) => h.name));
      next.listeners[0]!.virtualHosts.forEach((h, i) => expect(h).toBe(expected[i]));
      expect(configVersion(next)).toBe(wanted.version);
      current = wanted;
    }
  });

  it('carry only what changed and rebuild the exact document, sharing unchanged pieces', () => {
    const before = base();
    const after = edit(before, (c) => {
      const vhosts = c.listeners[0]!.virtualHosts;
      vhosts.splice(2, 1); // remove f.test
      vhosts[1] = vhost('d.test', 'p2', '/v2'); // change d.test
      vhosts.splice(1, 0, vhost('c.test', 'p2')); // add c.test (sorted position)
      c.pools.splice(1, 1, pool('p2')); // p3 -> p2
    });
    const delta = diffConfigs(before, after)!;
    expect(delta).toBeDefined();
    expect(delta.listeners).toBeUndefined();
    expect(delta.virtualHosts?.map((e) => e.virtualHost.name).sort()).toEqual(['c.test', 'd.test']);
    expect(delta.removedVirtualHosts).toEqual([{ listener: 'a', name: 'f.test' }]);
    expect(delta.pools?.map((p) => p.name)).toEqual(['p2']);
    expect(delta.removedPools).toEqual(['p3']);

    // Over the wire: the receiver gets copies, not the sender's objects.
    const received = parseConfigDelta(before, JSON.parse(JSON.stringify(delta)));
    expect(received).toEqual(after);
    expect(received.version).toBe(after.version);
    expect(configVersion(received)).toBe(after.version);
    expect(received.listeners[0]!.virtualHosts[0]).toBe(before.listeners[0]!.virtualHosts[0]); // b.test untouched
    expect(received.pools[0]).toBe(before.pools[0]);
  });

  it('send the listener list when listeners change; a new listener brings its virtual hosts', () => {
    const before = base();
    const after = edit(before, (c) => c.listeners.push(listener('z', 8002, [vhost('x.test')])));
    const delta = diffConfigs(before, after)!;
    expect(delta.listeners?.map((l) => l.name)).toEqual(['a', 'z']);
    expect(delta.virtualHosts).toEqual([{ listener: 'z', virtualHost: after.listeners[1]!.virtualHosts[0] }]);
    expect(parseConfigDelta(before, structuredClone(delta))).toEqual(after);
    const removed = diffConfigs(after, before)!;
    expect(removed.listeners?.map((l) => l.name)).toEqual(['a']);
    expect(parseConfigDelta(after, structuredClone(removed))).toEqual(before);
  });

  it('equal content gives the same version whatever the object identity or key order', () => {
    const a = base();
    const reordered = JSON.parse(JSON.stringify(a), (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v));
    expect(configVersion(reordered)).toBe(a.version);
    expect(diffConfigs(a, { ...reordered, version: a.version })).toEqual({ baseVersion: a.version, version: a.version });
    const changed = edit(a, (c) => (c.listeners[0]!.virtualHosts[0] = vhost('b.test', 'p1', '/other')));
    expect(changed.version).not.toBe(a.version);
  });

  it('is refused when it does not fit the live config, leaving nothing changed', () => {
    const before = base();
    const after = edit(before, (c) => (c.listeners[0]!.virtualHosts[0] = vhost('b.test', 'p3')));
    const delta = diffConfigs(before, after)!;
    expect(() => parseConfigDelta(after, delta)).toThrow(ConfigDeltaMismatchError); // wrong base
    expect(() => parseConfigDelta(before, { ...delta, version: 'ffffffffffffffff' })).toThrow(/not ffffffffffffffff/);
    expect(() => parseConfigDelta(before, { ...delta, virtualHosts: [{ listener: 'nope', virtualHost: vhost('q.test') }] })).toThrow(/listener "nope"/);
    expect(before).toEqual(base());
  });

  it('rejects malformed bodies with the JSON path of the problem', () => {
    const before = base();
    const bad = (body: unknown) => {
      try {
        parseConfigDelta(before, body);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigValidationError);
        return (err as ConfigValidationError).path;
      }
      throw new Error('accepted');
    };
    expect(bad({ version: 'x' })).toBe('');
    expect(bad({ baseVersion: before.version, version: 'x', virtualHosts: [{ listener: 'a', virtualHost: { ...vhost('q.test'), extra: 1 } }] })).toBe('/virtualHosts/0/virtualHost');
    expect(bad({ baseVersion: before.version, version: 'x', virtualHosts: [{ listener: 'a', virtualHost: vhost('q.test', 'missing') }] })).toMatch(/\/backends\/0\/pool$/);
    const regex = vhost('q.test');
    regex.routes[0]!.match.path = { type: 'RegularExpression', value: '([' };
    expect(bad({ baseVersion: before.version, version: 'x', virtualHosts: [{ listener: 'a', virtualHost: regex }] })).toBe('/virtualHosts/0/virtualHost/routes/0/match/path/value');
  });

  it('is not offered when merging new names in sorted order would not rebuild the document', () => {
    const before = base();
    const unsorted = edit(before, (c) => c.listeners[0]!.virtualHosts.push(vhost('a.test'))); // new name at the end
    expect(diffConfigs(before, unsorted)).toBeUndefined();
    expect(() => applyConfigDelta(before, { baseVersion: 'other', version: 'x' })).toThrow(ConfigDeltaMismatchError);
  });
});
