/**
 * Route table compilation and lookup (pure: no sockets), path helpers, then one end-to-end check
 * that the proxy uses the same precedence.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RouteConfig, RouterConfig } from '../../../src/contract/router-config.schema.js';
import { ConfigValidationError } from '../../../src/contract/validate-config.js';
import { compileConfig, type CompiledRoute } from '../../../src/router/engine/compile-config.js';
import { HostIndex, normalizeRequestHost } from '../../../src/router/engine/host-index.js';
import { normalizePath, redirectLocation, replacePrefixMatch, splitTarget } from '../../../src/router/engine/paths.js';
import { EndpointRegistry } from '../../../src/router/engine/pools.js';
import { findRoute } from '../../../src/router/engine/route-match.js';
import { SecureContextCache } from '../../../src/router/engine/tls-contexts.js';
import { UpstreamAgent } from '../../../src/router/engine/upstream-agent.js';
import { exact, freePort, httpListener, newEngine, pool, prefix, request, route, simple, startEcho, vhost, type Upstream } from './helpers.js';

const agent = new UpstreamAgent({ connectTimeoutMs: 1000 });
afterAll(() => agent.destroy());

function compile(cfg: RouterConfig) {
  return compileConfig(cfg, { endpoints: new EndpointRegistry(agent), tls: new SecureContextCache() });
}

/** Route name chosen for a request on the first listener. */
function lookup(cfg: RouterConfig, host: string, target: string, method = 'GET', headers: Record<string, string> = {}): string | undefined {
  const listener = [...compile(cfg).listeners.values()][0];
  const [path, query] = splitTarget(target);
  const hit: CompiledRoute | undefined = findRoute(listener.hosts, normalizeRequestHost(host), method, normalizePath(path), query, headers);
  return hit?.name;
}

const P = [pool('p', 9)];
const one = (...routes: RouteConfig[]) => simple(8080, routes, P);

describe('path matching', () => {
  it('Exact matches only the exact path', () => {
    const cfg = one(route('exact', exact('/foo'), 'p'));
    expect(lookup(cfg, 'a', '/foo')).toBe('exact');
    expect(lookup(cfg, 'a', '/foo?x=1')).toBe('exact');
    expect(lookup(cfg, 'a', '/foo/')).toBeUndefined();
    expect(lookup(cfg, 'a', '/foobar')).toBeUndefined();
  });

  it('PathPrefix is segment-aware, with or without a trailing slash in the prefix', () => {
    for (const value of ['/foo', '/foo/']) {
      const cfg = one(route('prefix', prefix(value), 'p'));
      expect(lookup(cfg, 'a', '/foo')).toBe('prefix');
      expect(lookup(cfg, 'a', '/foo/')).toBe('prefix');
      expect(lookup(cfg, 'a', '/foo/bar/baz')).toBe('prefix');
      expect(lookup(cfg, 'a', '/foobar')).toBeUndefined();
      expect(lookup(cfg, 'a', '/')).toBeUndefined();
    }
  });

  it('"/" and an absent path match everything', () => {
    expect(lookup(one(route('root', prefix('/'), 'p')), 'a', '/any/thing')).toBe('root');
    expect(lookup(one(route('nopath', {}, 'p')), 'a', '/any/thing')).toBe('nopath');
  });

  it('RegularExpression is a full match', () => {
    const cfg = one(route('re', { path: { type: 'RegularExpression', value: '/v[0-9]+/items' } }, 'p'));
    expect(lookup(cfg, 'a', '/v12/items')).toBe('re');
    expect(lookup(cfg, 'a', '/v12/items/x')).toBeUndefined();
    expect(lookup(cfg, 'a', '/x/v12/items')).toBeUndefined();
  });

  it('dot segments are resolved before matching (no escaping a prefix with ..)', () => {
    const cfg = one(route('public', prefix('/public'), 'p'), route('admin', prefix('/admin'), 'p'));
    expect(lookup(cfg, 'a', '/public/../admin/x')).toBe('admin');
    expect(lookup(cfg, 'a', '/public/%2e%2e/admin')).toBe('admin');
    expect(lookup(cfg, 'a', '/public/./a')).toBe('public');
  });
});

describe('precedence', () => {
  it('Exact > RegularExpression > longest PathPrefix', () => {
    const cfg = one(
      route('short', prefix('/a'), 'p'),
      route('long', prefix('/a/b'), 'p'),
      route('re', { path: { type: 'RegularExpression', value: '/a/b/.*' } }, 'p'),
      route('exact', exact('/a/b/c'), 'p'),
    );
    expect(lookup(cfg, 'h', '/a/b/c')).toBe('exact');
    expect(lookup(cfg, 'h', '/a/b/d')).toBe('re');
    expect(lookup(cfg, 'h', '/a/b')).toBe('long');
    expect(lookup(cfg, 'h', '/a/x')).toBe('short');
  });

  it('a longer prefix wins whatever the document order; "/foo/" outranks "/foo" by characters', () => {
    const cfg = one(route('foo', prefix('/foo'), 'p'), route('foo-slash', prefix('/foo/'), 'p'), route('foobar', prefix('/foo/bar'), 'p'));
    expect(lookup(cfg, 'h', '/foo/bar/x')).toBe('foobar');
    expect(lookup(cfg, 'h', '/foo/x')).toBe('foo-slash');
  });

  it('then method, then most headers, then most query params', () => {
    const cfg = one(
      route('plain', prefix('/x'), 'p'),
      route('query', prefix('/x', { queryParams: [{ name: 'q', value: '1' }] }), 'p'),
      route('headers2', prefix('/x', { headers: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] }), 'p'),
      route('headers1', prefix('/x', { headers: [{ name: 'a', value: '1' }] }), 'p'),
      route('method', prefix('/x', { method: 'POST' }), 'p'),
    );
    expect(lookup(cfg, 'h', '/x', 'POST', { a: '1', b: '2' })).toBe('method');
    expect(lookup(cfg, 'h', '/x?q=1', 'GET', { a: '1', b: '2' })).toBe('headers2');
    expect(lookup(cfg, 'h', '/x?q=1', 'GET', { a: '1' })).toBe('headers1');
    expect(lookup(cfg, 'h', '/x?q=1')).toBe('query');
    expect(lookup(cfg, 'h', '/x')).toBe('plain');
  });

  it('ties keep document order', () => {
    const cfg = one(route('first', prefix('/t'), 'p'), route('second', prefix('/t'), 'p'));
    expect(lookup(cfg, 'h', '/t')).toBe('first');
    const swapped = one(route('second', prefix('/t'), 'p'), route('first', prefix('/t'), 'p'));
    expect(lookup(swapped, 'h', '/t')).toBe('second');
  });

  it('a more specific route that fails its header match falls through to the next one', () => {
    const cfg = one(route('long', prefix('/a/b', { headers: [{ name: 'x', value: 'y' }] }), 'p'), route('short', prefix('/a'), 'p'));
    expect(lookup(cfg, 'h', '/a/b', 'GET', { x: 'y' })).toBe('long');
    expect(lookup(cfg, 'h', '/a/b')).toBe('short');
  });
});

describe('header, query and method matching', () => {
  it('header names are case-insensitive; Exact and RegularExpression values', () => {
    const cfg = one(
      route('exact', prefix('/', { headers: [{ name: 'X-Env', value: 'Canary' }] }), 'p'),
      route('re', prefix('/', { headers: [{ name: 'x-version', type: 'RegularExpression', value: 'v[12]' }] }), 'p'),
    );
    expect(lookup(cfg, 'h', '/', 'GET', { 'x-env': 'Canary' })).toBe('exact');
    expect(lookup(cfg, 'h', '/', 'GET', { 'x-env': 'canary' })).toBeUndefined();
    expect(lookup(cfg, 'h', '/', 'GET', { 'x-version': 'v2' })).toBe('re');
    expect(lookup(cfg, 'h', '/', 'GET', { 'x-version': 'v22' })).toBeUndefined();
  });

  it('query params match by exact name (first value), Exact and RegularExpression', () => {
    const cfg = one(
      route('exact', prefix('/', { queryParams: [{ name: 'Mode', value: 'fast' }] }), 'p'),
      route('re', prefix('/', { queryParams: [{ name: 'id', type: 'RegularExpression', value: '[0-9]+' }] }), 'p'),
    );
    expect(lookup(cfg, 'h', '/?Mode=fast')).toBe('exact');
    expect(lookup(cfg, 'h', '/?mode=fast')).toBeUndefined();
    expect(lookup(cfg, 'h', '/?Mode=fast&Mode=slow')).toBe('exact');
    expect(lookup(cfg, 'h', '/?id=42')).toBe('re');
    expect(lookup(cfg, 'h', '/?id=42a')).toBeUndefined();
    expect(lookup(cfg, 'h', '/?x=%20&id=7')).toBe('re');
  });

  it('method', () => {
    const cfg = one(route('post', prefix('/', { method: 'POST' }), 'p'));
    expect(lookup(cfg, 'h', '/', 'POST')).toBe('post');
    expect(lookup(cfg, 'h', '/', 'GET')).toBeUndefined();
  });
});

describe('host matching', () => {
  const cfg: RouterConfig = {
    listeners: [
      httpListener(8080, [
        vhost(['api.example.com'], [route('exact', prefix('/'), 'p')]),
        vhost(['*.example.com'], [route('wild', prefix('/'), 'p')]),
        vhost(['*.b.example.com'], [route('wild-long', prefix('/'), 'p')]),
        vhost(['*'], [route('any', prefix('/'), 'p')]),
      ]),
    ],
    pools: P,
  };

  it('exact, then the longest wildcard suffix, then the catch-all; case-insensitive; port stripped', () => {
    expect(lookup(cfg, 'api.example.com', '/')).toBe('exact');
    expect(lookup(cfg, 'API.Example.COM:8080', '/')).toBe('exact');
    expect(lookup(cfg, 'www.example.com', '/')).toBe('wild');
    expect(lookup(cfg, 'a.www.example.com', '/')).toBe('wild');
    expect(lookup(cfg, 'x.b.example.com', '/')).toBe('wild-long');
    expect(lookup(cfg, 'example.com', '/')).toBe('any');
    expect(lookup(cfg, 'other.org.', '/')).toBe('any');
    expect(lookup(cfg, '', '/')).toBe('any');
  });

  it('falls through to less specific hosts when no rule of the more specific one matches', () => {
    const c: RouterConfig = {
      listeners: [
        httpListener(8080, [
          vhost(['api.example.com'], [route('exact-v1', prefix('/v1'), 'p')]),
          vhost(['*.example.com'], [route('wild-v2', prefix('/v2'), 'p')]),
          vhost(['*'], [route('any', prefix('/'), 'p'), route('any-v1', prefix('/v1/deep'), 'p')]),
        ]),
      ],
      pools: P,
    };
    expect(lookup(c, 'api.example.com', '/v1/deep')).toBe('exact-v1');
    expect(lookup(c, 'api.example.com', '/v2/x')).toBe('wild-v2');
    expect(lookup(c, 'api.example.com', '/v3')).toBe('any');
    expect(lookup(c, 'other.example.com', '/v1/deep')).toBe('any-v1');
  });

  it('falls through only inside the most specific host\'s scope (Gateway listener isolation)', () => {
    const scoped = (scope: string, v: ReturnType<typeof vhost>) => ({ ...v, scope });
    const c: RouterConfig = {
      listeners: [
        httpListener(8080, [
          scoped('*.foo.example.com', vhost(['*.foo.example.com'], [route('foo-listener', prefix('/foo'), 'p')])),
          scoped('*.foo.example.com', vhost(['a.foo.example.com'], [route('foo-exact', prefix('/exact'), 'p')])),
          scoped('*.example.com', vhost(['*.example.com'], [route('wild-listener', prefix('/'), 'p')])),
          scoped('*', vhost(['*'], [route('empty-listener', prefix('/'), 'p')])),
        ]),
      ],
      pools: P,
    };
    // Inside one listener's scope the fallthrough still works...
    expect(lookup(c, 'a.foo.example.com', '/foo')).toBe('foo-listener');
    // ...but never into the routes of a less specific listener: 404, as GatewayHTTPListenerIsolation demands.
    expect(lookup(c, 'a.foo.example.com', '/other')).toBeUndefined();
    expect(lookup(c, 'bar.foo.example.com', '/other')).toBeUndefined();
    expect(lookup(c, 'bar.example.com', '/foo')).toBe('wild-listener');
    expect(lookup(c, 'bar.org', '/foo')).toBe('empty-listener');
  });

  it('no catch-all: an unknown host matches nothing', () => {
    const index = new HostIndex<string>();
    index.add('a.example.com', 'a');
    expect(index.lookup('b.example.com')).toBeUndefined();
    expect(normalizeRequestHost('[::1]:8080')).toBe('[::1]');
  });

  it('an empty hostname list catches every host', () => {
    const c = simple(8080, [], P);
    c.listeners[0].virtualHosts = [vhost([], [route('r', prefix('/'), 'p')])];
    expect(lookup(c, 'whatever.test', '/')).toBe('r');
  });
});

describe('lookup cost does not grow with routes', () => {
  it('10,000 prefix routes on one host and 10,000 hosts compile and resolve correctly', () => {
    const routes = Array.from({ length: 10_000 }, (_, i) => route(`r${i}`, prefix(`/svc${i}/api`), 'p'));
    const cfg = one(...routes);
    expect(lookup(cfg, 'h', '/svc9999/api/x')).toBe('r9999');
    expect(lookup(cfg, 'h', '/svc0/api')).toBe('r0');
    expect(lookup(cfg, 'h', '/svc10000/api')).toBeUndefined();

    const hosts = { listeners: [httpListener(8080, Array.from({ length: 10_000 }, (_, i) => vhost([`h${i}.example.com`], [route(`h${i}`, prefix('/'), 'p')])))], pools: P };
    expect(lookup(hosts, 'h7777.example.com', '/')).toBe('h7777');
  });
});

describe('compile errors are clear and name the path', () => {
  it('unknown pool', () => {
    expect(() => compile(one(route('r', prefix('/'), 'missing')))).toThrow(ConfigValidationError);
    try {
      compile(one(route('r', prefix('/'), 'missing')));
    } catch (err) {
      expect((err as ConfigValidationError).path).toBe('/listeners/0/virtualHosts/0/routes/0/backends/0/pool');
    }
  });

  it('header values node would refuse to send, and malformed hostnames', () => {
    const bad = route('r', prefix('/'), 'p', {
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: 'a\r\nInjected: 1' }] } }],
    });
    expect(() => compile(one(bad))).toThrow(/control characters/);
    const host = route('r', prefix('/'), 'p', { filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'a b/c' } }] });
    expect(() => compile(one(host))).toThrow(/invalid hostname/);
  });

  it('invalid regex', () => {
    expect(() => compile(one(route('r', { path: { type: 'RegularExpression', value: '(' } }, 'p')))).toThrow(/invalid regular expression/);
  });

  it('ReplacePrefixMatch on a regex match', () => {
    const r = route('r', { path: { type: 'RegularExpression', value: '/a.*' } }, 'p', {
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', value: '/b' } } }],
    });
    expect(() => compile(one(r))).toThrow(/ReplacePrefixMatch/);
  });
});

describe('path helpers', () => {
  it('ReplacePrefixMatch follows the Gateway API table', () => {
    const cases: Array<[string, string, string, string]> = [
      ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
      ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
      ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
      ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
      ['/foo', '/foo', '/xyz', '/xyz'],
      ['/foo/', '/foo', '/xyz', '/xyz/'],
      ['/foo/bar', '/foo', '', '/bar'],
      ['/foo/', '/foo', '', '/'],
      ['/foo', '/foo', '', '/'],
      ['/foo/', '/foo', '/', '/'],
      ['/foo', '/foo', '/', '/'],
      ['/foo/bar', '/', '/xyz', '/xyz/foo/bar'],
    ];
    for (const [path, pfx, replacement, expected] of cases) {
      const key = pfx.endsWith('/') ? pfx.slice(0, -1) : pfx;
      expect(replacePrefixMatch(path, key, replacement), `${path} ${pfx} ${replacement}`).toBe(expected);
    }
  });

  it('redirect Location drops the default port of the scheme', () => {
    const req = { scheme: 'http' as const, host: 'a.example', listenerPort: 8080 };
    expect(redirectLocation({}, req, '/p', '?q=1')).toBe('http://a.example:8080/p?q=1');
    expect(redirectLocation({ scheme: 'https' }, req, '/p', '')).toBe('https://a.example/p');
    expect(redirectLocation({ scheme: 'https', port: 8443 }, req, '/p', '')).toBe('https://a.example:8443/p');
    expect(redirectLocation({ hostname: 'b.example', port: 80 }, req, '/', '')).toBe('http://b.example/');
    expect(redirectLocation({}, { ...req, listenerPort: 80 }, '/', '')).toBe('http://a.example/');
  });

  it('normalizePath', () => {
    expect(normalizePath('/a/b')).toBe('/a/b');
    expect(normalizePath('/a/./b/../c')).toBe('/a/c');
    expect(normalizePath('/a/..')).toBe('/');
    expect(normalizePath('/%7Euser/%2fx')).toBe('/~user/%2Fx');
    expect(normalizePath('/.well-known/x')).toBe('/.well-known/x');
  });
});

describe('end to end: the proxy follows the same table', () => {
  let up: Upstream[] = [];
  afterAll(async () => Promise.all(up.map((u) => u.close())));

  it('routes by host and precedence to different upstreams, 404 otherwise', async () => {
    up = await Promise.all(['a', 'b', 'c'].map((n) => startEcho(n)));
    const port = await freePort();
    const { engine, observations } = newEngine();
    try {
      await engine.apply({
        listeners: [
          httpListener(port, [
            vhost(['a.example.com'], [route('a-root', prefix('/'), 'a'), route('a-api', prefix('/api'), 'b')]),
            vhost(['*.example.com'], [route('wild', exact('/x'), 'c')]),
          ]),
        ],
        pools: [pool('a', up[0].port), pool('b', up[1].port), pool('c', up[2].port)],
      });
      expect((await request(port, { host: 'a.example.com', path: '/api/v1' })).json().name).toBe('b');
      expect((await request(port, { host: 'A.EXAMPLE.COM:1234', path: '/' })).json().name).toBe('a');
      expect((await request(port, { host: 'z.example.com', path: '/x' })).json().name).toBe('c');
      const miss = await request(port, { host: 'z.example.com', path: '/y' });
      expect(miss.status).toBe(404);
      const last = observations.at(-1)!;
      expect(last).toMatchObject({ route: null, status: 404, host: 'z.example.com', path: '/y', method: 'GET' });
      expect(observations.find((o) => o.route === 'a-api')).toMatchObject({ status: 200, listener: `http-${port}` });
    } finally {
      await engine.close(1000);
    }
  });
});
