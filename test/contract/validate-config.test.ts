import { describe, expect, it } from 'vitest';
import { ConfigValidationError, parseAnyConfig, parseRouterConfig } from '../../src/contract/validate-config.js';

const defaults = { address: '127.0.0.1', port: 8080 };

describe('router config validation', () => {
  it('checks what a new list changed from one that passed: a bad virtual host among thousands is still found', () => {
    const vhost = (i: number) => ({ name: `v${i}`, hostnames: [`h${i}.test`], routes: [{ name: `r${i}`, match: {}, backends: [{ pool: 'p', weight: 1 }] }] });
    const doc = (virtualHosts: unknown[]) => ({ listeners: [{ name: 'a', port: 80, protocol: 'HTTP', virtualHosts }], pools: [{ name: 'p', endpoints: [] }] });
    const hosts = Array.from({ length: 2_000 }, (_, i) => vhost(i));
    parseRouterConfig(doc(hosts));
    // The same objects around one changed stretch: a wrong type, an unknown field, an unknown pool.
    const wrongType = [...hosts.slice(0, 1_000), { ...vhost(5_000), hostnames: 'h.test' }, ...hosts.slice(1_000)];
    expect(() => parseRouterConfig(doc(wrongType))).toThrow(new ConfigValidationError('/listeners/0/virtualHosts/1000/hostnames', 'expected array'));
    const unknownField = [...hosts.slice(0, 1_999), { ...hosts[1_999]!, bogus: true }];
    expect(() => parseRouterConfig(doc(unknownField))).toThrow(new ConfigValidationError('/listeners/0/virtualHosts/1999', 'unknown field "bogus"'));
    const unknownPool = [{ ...vhost(7_000), routes: [{ name: 'x', match: {}, backends: [{ pool: 'nope', weight: 1 }] }] }, ...hosts.slice(1)];
    expect(() => parseRouterConfig(doc(unknownPool))).toThrow(new ConfigValidationError('/listeners/0/virtualHosts/0/routes/0/backends/0/pool', 'unknown pool "nope"'));
    // After all that, the list that passed still does.
    expect(parseRouterConfig(doc(hosts)).listeners[0]!.virtualHosts).toHaveLength(2_000);
  });

  it('accepts the original design simple format and maps it onto one listener', () => {
    const cfg = parseAnyConfig(
      {
        routes: [{ name: 'api', match: { path_prefix: '/api' }, pool: 'backend', strip_prefix: true }],
        pools: [{ name: 'backend', upstreams: [{ host: '10.0.1.5', port: 8080 }] }],
        default_pool: 'backend',
      },
      defaults,
    );
    expect(cfg.listeners).toHaveLength(1);
    expect(cfg.listeners[0].port).toBe(8080);
    expect(cfg.listeners[0].virtualHosts[0].routes.map((r) => r.name)).toEqual(['api', 'default']);
    expect(cfg.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names the path of an unknown field', () => {
    expect(() => parseRouterConfig({ listeners: [{ name: 'a', port: 80, protocol: 'HTTP', virtualHosts: [], bogus: 1 }], pools: [] }))
      .toThrow(new ConfigValidationError('/listeners/0', 'unknown field "bogus"'));
  });

  it('names the path of a wrong type', () => {
    try {
      parseRouterConfig({ listeners: [{ name: 'a', port: 'eighty', protocol: 'HTTP', virtualHosts: [] }], pools: [] });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigValidationError).path).toBe('/listeners/0/port');
    }
  });

  it('rejects two routes of one virtual host with the same name (as it does pools), at the duplicate', () => {
    const r = (name: string, path: string) => ({ name, match: { path: { type: 'PathPrefix', value: path } }, backends: [{ pool: 'p', weight: 1 }] });
    const doc = (routes: unknown[], more: unknown[] = []) => ({
      listeners: [{ name: 'a', port: 80, protocol: 'HTTP', virtualHosts: [{ name: 'v', hostnames: ['a.test'], routes }, ...more] }],
      pools: [{ name: 'p', endpoints: [] }],
    });
    expect(() => parseRouterConfig(doc([r('x', '/a'), r('y', '/b'), r('x', '/c')]))).toThrow(
      new ConfigValidationError('/listeners/0/virtualHosts/0/routes/2/name', 'duplicate route "x" in this virtual host'),
    );
    // One name in two virtual hosts is fine (a route attached to two hostnames lands in both).
    expect(() => parseRouterConfig(doc([r('x', '/a')], [{ name: 'w', hostnames: ['b.test'], routes: [r('x', '/a')] }]))).not.toThrow();
  });

  it('rejects a backend pointing at an unknown pool and a bad regex', () => {
    const route = (extra: object) => ({
      listeners: [{ name: 'a', port: 80, protocol: 'HTTP', virtualHosts: [{ name: 'v', hostnames: ['*'], routes: [{ name: 'r', match: {}, backends: [], ...extra }] }] }],
      pools: [],
    });
    expect(() => parseRouterConfig(route({ backends: [{ pool: 'nope', weight: 1 }] }))).toThrow(/unknown pool "nope"/);
    expect(() => parseRouterConfig(route({ match: { path: { type: 'RegularExpression', value: '([' } } }))).toThrow(/invalid regular expression/);
  });

  it('gives equal documents equal versions whatever their key order', () => {
    const a = parseRouterConfig({ listeners: [], pools: [{ name: 'p', endpoints: [{ host: 'h', port: 1 }] }] });
    const b = parseRouterConfig({ pools: [{ endpoints: [{ port: 1, host: 'h' }], name: 'p' }], listeners: [] });
    expect(a.version).toBe(b.version);
  });
});
