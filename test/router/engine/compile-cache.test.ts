/**
 * Incremental compilation: a config that shares virtual hosts, pools and listeners (by identity)
 * with the live one reuses their compiled forms; whatever changed, or depends on a pool that
 * changed, is compiled again. Pure compile checks first, then the same through a real engine.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { applyConfigDelta } from '../../../src/contract/config-delta.js';
import type { RouterConfig, VirtualHostConfig } from '../../../src/contract/router-config.schema.js';
import { ConfigValidationError } from '../../../src/contract/validate-config.js';
import { compileConfig, newCompileContext, type CompiledConfig } from '../../../src/router/engine/compile-config.js';
import { EndpointRegistry } from '../../../src/router/engine/pools.js';
import { SecureContextCache } from '../../../src/router/engine/tls-contexts.js';
import { UpstreamAgent } from '../../../src/router/engine/upstream-agent.js';
import { config, exact, freePort, httpListener, newEngine, pool, prefix, request, route, selfSignedCert, startEcho, vhost, type Upstream } from './helpers.js';

const agent = new UpstreamAgent({ connectTimeoutMs: 1000 });
afterAll(() => agent.destroy());

const host = (i: number, poolName = 'p'): VirtualHostConfig => vhost([`r${i}.test`], [route(`r${i}`, prefix('/'), poolName)], `r${i}`);

/** Two listeners: "web" with hosts r0..r(n-1), "other" with one host; pools p and q. */
function base(n: number): RouterConfig {
  return {
    version: 'v0',
    ...config(
      [httpListener(8080, Array.from({ length: n }, (_, i) => host(i)), 'web'), httpListener(8081, [vhost(['o.test'], [route('o', prefix('/'), 'q')], 'o')], 'other')],
      [pool('p', 9001), pool('q', 9002)],
    ),
  };
}

const listenerOf = (c: CompiledConfig, port: number) => c.listeners.get(`127.0.0.1|${port}`)!;
const tableOf = (c: CompiledConfig, port: number, hostname: string) => listenerOf(c, port).hosts.lookup(hostname);

describe('compileConfig with the previous compiled config', () => {
  const ctx = () => newCompileContext(new EndpointRegistry(agent), new SecureContextCache());

  it('reuses the compiled table of every unchanged virtual host, listener and pool', () => {
    const c = ctx();
    const v0 = base(100);
    const first = compileConfig(v0, c);
    // Replace r5, add r100, remove r7: only "web" changes.
    const v1 = applyConfigDelta(v0, {
      baseVersion: 'v0',
      version: 'v1',
      virtualHosts: [
        { listener: 'web', virtualHost: vhost(['r5.test'], [route('r5-new', exact('/new'), 'p')], 'r5') },
        { listener: 'web', virtualHost: host(100) },
      ],
      removedVirtualHosts: [{ listener: 'web', name: 'r7' }],
    });
    const second = compileConfig(v1, c, first);

    for (const i of [0, 1, 6, 42, 99]) expect(tableOf(second, 8080, `r${i}.test`)).toBe(tableOf(first, 8080, `r${i}.test`));
    expect(tableOf(second, 8080, 'r5.test')).not.toBe(tableOf(first, 8080, 'r5.test'));
    expect(tableOf(second, 8080, 'r7.test')).toBeUndefined();
    expect(tableOf(second, 8080, 'r100.test')).toBeDefined();
    // The changed listener gets a new host index; the untouched one is the same object.
    expect(listenerOf(second, 8080)).not.toBe(listenerOf(first, 8080));
    expect(listenerOf(second, 8081)).toBe(listenerOf(first, 8081));
    expect(second.pools.get('p')).toBe(first.pools.get('p'));
    expect(second.routeCount).toBe(101); // 100 on "web" (one removed, one added), 1 on "other"

    // And the new table really routes as the new document says.
    const r5 = tableOf(second, 8080, 'r5.test')!;
    expect(r5.match('GET', '/new', '', {})?.name).toBe('r5-new');
    expect(r5.match('GET', '/', '', {})).toBeUndefined();
  });

  it('recompiles exactly the virtual hosts that use a pool that changed', () => {
    const c = ctx();
    const v0 = base(10);
    v0.listeners[0].virtualHosts[3] = host(3, 'q');
    const first = compileConfig(v0, c);
    const v1 = applyConfigDelta(v0, { baseVersion: 'v0', version: 'v1', pools: [pool('q', 9003)] });
    const second = compileConfig(v1, c, first);

    expect(second.pools.get('p')).toBe(first.pools.get('p'));
    expect(second.pools.get('q')).not.toBe(first.pools.get('q'));
    expect(tableOf(second, 8080, 'r0.test')).toBe(tableOf(first, 8080, 'r0.test'));
    expect(tableOf(second, 8080, 'r3.test')).not.toBe(tableOf(first, 8080, 'r3.test'));
    expect(tableOf(second, 8081, 'o.test')).not.toBe(tableOf(first, 8081, 'o.test'));
    const picked = tableOf(second, 8080, 'r3.test')!.match('GET', '/', '', {})!.backends.pick()!.pool!.pick(0)!;
    expect(picked.port).toBe(9003);
  });

  it('a compile that fails leaves nothing behind that the next one could misuse', () => {
    const c = ctx();
    const v0 = base(3);
    const first = compileConfig(v0, c);
    // Pool p removed while r0..r2 still use it: rejected.
    const broken = applyConfigDelta(v0, { baseVersion: 'v0', version: 'v1', removedPools: ['p'] });
    expect(() => compileConfig(broken, c, first)).toThrow(ConfigValidationError);
    // p comes back as a new object: every host using it must bind to the new pool, not a cached one.
    const v2 = applyConfigDelta(v0, { baseVersion: 'v0', version: 'v2', pools: [pool('p', 9009)] });
    const second = compileConfig(v2, c, first);
    const picked = tableOf(second, 8080, 'r1.test')!.match('GET', '/', '', {})!.backends.pick()!.pool!.pick(0)!;
    expect(picked.port).toBe(9009);
    expect(picked).toBe(second.pools.get('p')!.endpoints[0]);
  });

  it('after a run of random deltas, routes every host exactly as a fresh compile of the same document', () => {
    const c = ctx();
    let doc = base(60);
    let compiled = compileConfig(doc, c);
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const names = () => doc.listeners[0].virtualHosts.map((v) => v.name);
    for (let step = 0; step < 60; step++) {
      const n = 60 + step;
      const existing = names();
      const pick = () => existing[rand(existing.length)]!;
      // Each step mixes: a new host, a replaced one (sometimes onto pool q or a duplicate hostname of
      // another host, where the first in document order must win), removals, and now and then a pool change.
      const ups: VirtualHostConfig[] = [host(n, rand(2) ? 'p' : 'q')];
      const replaced = pick();
      ups.push(vhost([rand(3) === 0 ? `${pick()}.test` : `${replaced}.test`], [route(`${replaced}-v${step}`, prefix('/'), rand(2) ? 'p' : 'q')], replaced));
      const removed = [...new Set(Array.from({ length: rand(3) }, pick))].filter((r) => r !== replaced);
      const version = `v${step + 1}`;
      doc = applyConfigDelta(doc, {
        baseVersion: doc.version!,
        version,
        virtualHosts: ups.map((virtualHost) => ({ listener: 'web', virtualHost })),
        ...(removed.length ? { removedVirtualHosts: removed.map((name) => ({ listener: 'web', name })) } : {}),
        ...(rand(5) === 0 ? { pools: [pool('q', 9100 + step)] } : {}),
      });
      compiled = compileConfig(doc, c, compiled);
      const fresh = compileConfig(doc, ctx());
      for (let i = 0; i <= n; i++) {
        const hostname = `r${i}.test`;
        const got = tableOf(compiled, 8080, hostname)?.match('GET', '/', '', {});
        const want = tableOf(fresh, 8080, hostname)?.match('GET', '/', '', {});
        expect(got?.name, `${version} ${hostname}`).toBe(want?.name);
        expect(got?.backends.pick()?.pool?.pick(0)?.port, `${version} ${hostname} port`).toBe(want?.backends.pick()?.pool?.pick(0)?.port);
      }
    }
  });

  it('edits the previous host index for a delta (exact, wildcard and catch-all names) and routes as a fresh compile would', () => {
    const c = ctx();
    // Distinct names only (no host shadows another), so each delta edits the index instead of rebuilding it.
    const named = (id: string, hostname: string, poolName = 'p') => vhost([hostname], [route(`${id}-${hostname}`, prefix('/'), poolName)], id);
    let doc: RouterConfig = { version: 'v0', ...config([httpListener(8080, Array.from({ length: 300 }, (_, i) => named(`h${i}`, i % 10 === 0 ? `*.w${i}.test` : `r${i}.test`)), 'web')], [pool('p', 9001), pool('q', 9002)]) };
    let compiled = compileConfig(doc, c);
    let seed = 3;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    let edited = 0;
    let next = 300;
    for (let step = 0; step < 150; step++) {
      const existing = doc.listeners[0]!.virtualHosts;
      const used = new Set(existing.flatMap((v) => v.hostnames));
      const ups: VirtualHostConfig[] = [];
      const id = next++;
      const name = rand(8) === 0 ? `*.w${id}.test` : rand(40) === 0 && !used.has('*') ? '*' : `r${id}.test`;
      ups.push(named(`h${id}`, name, rand(2) ? 'p' : 'q'));
      const changed = existing[rand(existing.length)]!;
      ups.push(named(changed.name, changed.hostnames[0]!, rand(2) ? 'p' : 'q')); // same name, new routes
      const removed = [...new Set(Array.from({ length: rand(3) }, () => existing[rand(existing.length)]!.name))].filter((n) => n !== changed.name);
      doc = applyConfigDelta(doc, {
        baseVersion: doc.version!,
        version: `v${step + 1}`,
        virtualHosts: ups.map((virtualHost) => ({ listener: 'web', virtualHost })),
        ...(removed.length ? { removedVirtualHosts: removed.map((n) => ({ listener: 'web', name: n })) } : {}),
      });
      compiled = compileConfig(doc, c, compiled);
      // The incremental path at work: the index holds changes on top of shared tables.
      if ((listenerOf(compiled, 8080).hosts as unknown as { exactOver?: Map<string, unknown> }).exactOver !== undefined) edited++;
      const fresh = compileConfig(doc, ctx());
      const hostnames = ['elsewhere.test', ...Array.from({ length: next }, (_, i) => (i % 10 === 0 || i >= 300 ? [`r${i}.test`, `a.w${i}.test`, `w${i}.test`] : [`r${i}.test`])).flat()];
      {
        for (const hostname of hostnames) {
          const got = tableOf(compiled, 8080, hostname)?.match('GET', '/', '', {});
          const want = tableOf(fresh, 8080, hostname)?.match('GET', '/', '', {});
          expect(got?.name, `step ${step} ${hostname}`).toBe(want?.name);
          expect(got?.backends.pick()?.pool?.name, `step ${step} ${hostname} pool`).toBe(want?.backends.pick()?.pool?.name);
        }
      }
      expect(compiled.routeCount).toBe(fresh.routeCount);
    }
    expect(edited).toBeGreaterThan(100);
  });

  it('keeps a listener’s TLS table when only its virtual hosts change', () => {
    const c = ctx();
    const cert = selfSignedCert(['secure.test']);
    const v0: RouterConfig = {
      version: 'v0',
      listeners: [{ name: 'tls', address: '127.0.0.1', port: 8443, protocol: 'HTTPS', tls: { certificates: [cert] }, virtualHosts: [host(0)] }],
      pools: [pool('p', 9001)],
    };
    const first = compileConfig(v0, c);
    const v1 = applyConfigDelta(v0, { baseVersion: 'v0', version: 'v1', virtualHosts: [{ listener: 'tls', virtualHost: host(1) }] });
    const second = compileConfig(v1, c, first);
    expect(listenerOf(second, 8443)).not.toBe(listenerOf(first, 8443));
    expect(listenerOf(second, 8443).tls).toBe(listenerOf(first, 8443).tls);
  });
});

describe('RouterEngine.apply with a delta-built config', () => {
  let a: Upstream;
  let b: Upstream;
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('serves changed, added and untouched hosts correctly across applies', async () => {
    [a, b] = await Promise.all([startEcho('A'), startEcho('B')]);
    const port = await freePort();
    const { engine } = newEngine();
    try {
      const v0: RouterConfig = { version: 'v0', ...config([httpListener(port, [host(0, 'a'), host(1, 'a')], 'web')], [pool('a', a.port), pool('b', b.port)]) };
      await engine.apply(v0);
      const v1 = applyConfigDelta(v0, { baseVersion: 'v0', version: 'v1', virtualHosts: [{ listener: 'web', virtualHost: host(1, 'b') }, { listener: 'web', virtualHost: host(2, 'b') }] });
      await engine.apply(v1);
      expect((await request(port, { host: 'r0.test' })).json().name).toBe('A');
      expect((await request(port, { host: 'r1.test' })).json().name).toBe('B');
      expect((await request(port, { host: 'r2.test' })).json().name).toBe('B');
      // Endpoint change of pool a: r0 follows it.
      const v2 = applyConfigDelta(v1, { baseVersion: 'v1', version: 'v2', pools: [pool('a', b.port)] });
      await engine.apply(v2);
      expect((await request(port, { host: 'r0.test' })).json().name).toBe('B');
      expect(engine.endpointHealth().map((e) => `${e.pool}:${e.port}`).sort()).toEqual([`a:${b.port}`, `b:${b.port}`].sort());
    } finally {
      await engine.close(1000);
    }
  });
});
