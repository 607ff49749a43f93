/**
 * Filters end to end, through the real engine to a real echo upstream that reports what it saw:
 * header modifiers (route and backend level), redirects, rewrites, mirrors, CORS, plus the
 * forwarding headers and hop-by-hop stripping every proxied request gets.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FilterConfig, RouteConfig } from '../../../src/contract/router-config.schema.js';
import type { RouterEngine } from '../../../src/router/engine/router-engine.js';
import { exact, freePort, LOCAL, newEngine, pool, prefix, rawRequest, request, route, simple, startEcho, waitFor, withFilters, type Upstream } from './helpers.js';

let engine: RouterEngine;
let port: number;
let up: Upstream;
let mirror: Upstream;

const reqMod = (m: Extract<FilterConfig, { type: 'RequestHeaderModifier' }>['requestHeaderModifier']): FilterConfig => ({ type: 'RequestHeaderModifier', requestHeaderModifier: m });
const resMod = (m: Extract<FilterConfig, { type: 'ResponseHeaderModifier' }>['responseHeaderModifier']): FilterConfig => ({ type: 'ResponseHeaderModifier', responseHeaderModifier: m });

beforeAll(async () => {
  up = await startEcho('up');
  mirror = await startEcho('mirror');
  port = await freePort();
  ({ engine } = newEngine());
  const routes: RouteConfig[] = [
    withFilters(route('req-mod', prefix('/reqmod'), 'up'), reqMod({ set: [{ name: 'X-Set', value: 'set' }], add: [{ name: 'X-Add', value: 'added' }], remove: ['X-Remove'] })),
    withFilters(route('res-mod', prefix('/resmod'), 'up'), resMod({ set: [{ name: 'X-Upstream', value: 'hidden' }], add: [{ name: 'X-Extra', value: 'more' }, { name: 'content-type', value: 'charset=x' }], remove: ['x-drop'] })),
    {
      name: 'backend-mods',
      match: prefix('/backendmod'),
      backends: [
        {
          pool: 'up',
          weight: 1,
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-backend', value: 'b1' }] } },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-backend-res', value: 'r1' }] } },
          ],
        },
      ],
    },
    withFilters(route('redirect-default', prefix('/redir/default'), undefined, { backends: [] }), { type: 'RequestRedirect', requestRedirect: {} }),
    withFilters(route('redirect-https', prefix('/redir/https'), undefined, { backends: [] }), { type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'secure.example.com', statusCode: 301 } }),
    withFilters(route('redirect-port', prefix('/redir/port'), undefined, { backends: [] }), { type: 'RequestRedirect', requestRedirect: { port: 8443, scheme: 'https' } }),
    withFilters(route('redirect-prefix', prefix('/redir/prefix'), undefined, { backends: [] }), {
      type: 'RequestRedirect',
      requestRedirect: { hostname: 'h.example.com', port: 80, path: { type: 'ReplacePrefixMatch', value: '/new' } },
    }),
    withFilters(route('redirect-full', exact('/redir/full'), undefined, { backends: [] }), { type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', value: '/elsewhere' }, statusCode: 308 } }),
    withFilters(route('rewrite-prefix', prefix('/old/'), 'up'), { type: 'URLRewrite', urlRewrite: { hostname: 'internal.svc', path: { type: 'ReplacePrefixMatch', value: '/new' } } }),
    withFilters(route('rewrite-root', prefix('/strip'), 'up'), { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', value: '/' } } }),
    withFilters(route('rewrite-full', prefix('/full'), 'up'), { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', value: '/replaced' } } }),
    withFilters(route('mirrored', prefix('/mirror'), 'up'), { type: 'RequestMirror', requestMirror: { pool: 'mirror' } }),
    withFilters(route('mirror-dead', prefix('/mirrordead'), 'up'), { type: 'RequestMirror', requestMirror: { pool: 'dead' } }),
    withFilters(route('cors', prefix('/cors'), 'up'), {
      type: 'CORS',
      cors: { allowOrigins: ['https://app.example.com', 'https://*.trusted.io'], allowMethods: ['GET', 'PUT'], allowHeaders: ['x-token'], exposeHeaders: ['x-upstream'], allowCredentials: true, maxAge: 600 },
    }),
    route('plain', prefix('/'), 'up'),
  ];
  await engine.apply(simple(port, routes, [pool('up', up.port), pool('mirror', mirror.port), pool('dead', await freePort())]));
});

afterAll(async () => {
  await engine.close(1000);
  await up.close();
  await mirror.close();
});

describe('RequestHeaderModifier / ResponseHeaderModifier', () => {
  it('set, add (appends with a comma), remove; names are case-insensitive', async () => {
    const r = await request(port, { path: '/reqmod', headers: { 'x-set': 'original', 'X-ADD': 'first', 'x-remove': 'gone', 'x-keep': 'kept' } });
    const seen = r.json().headers;
    expect(seen['x-set']).toBe('set');
    expect(seen['x-add']).toBe('first,added');
    expect(seen['x-remove']).toBeUndefined();
    expect(seen['x-keep']).toBe('kept');
    const fresh = (await request(port, { path: '/reqmod' })).json().headers;
    expect(fresh['x-add']).toBe('added');
  });

  it('response headers: set replaces, add appends, remove drops', async () => {
    const r = await request(port, { path: '/resmod', headers: { 'x-echo-set': 'x-drop: 1' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-upstream']).toBe('hidden');
    expect(r.headers['x-extra']).toBe('more');
    expect(r.headers['content-type']).toBe('application/json,charset=x');
    expect(r.headers['x-drop']).toBeUndefined();
  });

  it('backend-level filters apply to the chosen backend', async () => {
    const r = await request(port, { path: '/backendmod' });
    expect(r.json().headers['x-backend']).toBe('b1');
    expect(r.headers['x-backend-res']).toBe('r1');
  });
});

describe('RequestRedirect', () => {
  it('defaults: 302, same scheme and host, the listener port, same path and query', async () => {
    const r = await request(port, { path: '/redir/default/x?q=1', host: 'Shop.Example.com:9999' });
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`http://shop.example.com:${port}/redir/default/x?q=1`);
  });

  it('scheme https without a port: the well-known port, left out of Location', async () => {
    const r = await request(port, { path: '/redir/https/a' });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('https://secure.example.com/redir/https/a');
  });

  it('explicit port is kept when it is not the default of the scheme', async () => {
    expect((await request(port, { path: '/redir/port', host: 'a.example' })).headers.location).toBe('https://a.example:8443/redir/port');
  });

  it('ReplacePrefixMatch and ReplaceFullPath', async () => {
    expect((await request(port, { path: '/redir/prefix/deep/x' })).headers.location).toBe('http://h.example.com/new/deep/x');
    const full = await request(port, { path: '/redir/full?z=2', host: 'a.example' });
    expect(full.status).toBe(308);
    expect(full.headers.location).toBe(`http://a.example:${port}/elsewhere?z=2`);
  });
});

describe('URLRewrite', () => {
  it('hostname and ReplacePrefixMatch (trailing slashes per the spec)', async () => {
    const r = (await request(port, { path: '/old/a/b?x=1', host: 'public.example.com' })).json();
    expect(r.url).toBe('/new/a/b?x=1');
    expect(r.headers.host).toBe('internal.svc');
    expect(r.headers['x-forwarded-host']).toBe('public.example.com');
    expect((await request(port, { path: '/old' })).json().url).toBe('/new');
    expect((await request(port, { path: '/old/' })).json().url).toBe('/new/');
  });

  it('ReplacePrefixMatch "/" strips the prefix and never yields an empty path', async () => {
    expect((await request(port, { path: '/strip/x/y' })).json().url).toBe('/x/y');
    expect((await request(port, { path: '/strip' })).json().url).toBe('/');
    expect((await request(port, { path: '/strip/' })).json().url).toBe('/');
  });

  it('ReplaceFullPath keeps the query', async () => {
    expect((await request(port, { path: '/full/a/b?k=v' })).json().url).toBe('/replaced?k=v');
  });
});

describe('RequestMirror', () => {
  it('the mirror gets a copy (body included); the client gets the primary answer', async () => {
    const before = mirror.seen.length;
    const r = await request(port, { method: 'POST', path: '/mirror/x', body: 'payload', headers: { 'content-type': 'text/plain' } });
    expect(r.json().name).toBe('up');
    await waitFor(() => mirror.seen.length > before, 10_000, 'mirrored request');
    const copy = mirror.seen.at(-1)!;
    expect(copy).toMatchObject({ method: 'POST', url: '/mirror/x', body: 'payload' });
  });

  it('a streamed (chunked) body is teed to the mirror', async () => {
    const before = mirror.seen.length;
    const r = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: LOCAL, port, method: 'PUT', path: '/mirror/stream', headers: { host: 'x', 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.write('part1-');
      setTimeout(() => req.end('part2'), 50);
    });
    expect(JSON.parse(r).body).toBe('part1-part2');
    await waitFor(() => mirror.seen.length > before, 10_000, 'mirrored request');
    expect(mirror.seen.at(-1)!.body).toBe('part1-part2');
  });

  it('a dead mirror never affects the client', async () => {
    for (let i = 0; i < 5; i++) expect((await request(port, { path: '/mirrordead' })).status).toBe(200);
  });
});

describe('CORS', () => {
  it('answers an allowed preflight itself', async () => {
    const before = up.seen.length;
    const r = await request(port, {
      method: 'OPTIONS',
      path: '/cors/x',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-token' },
    });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(r.headers['access-control-allow-methods']).toBe('GET, PUT');
    expect(r.headers['access-control-allow-headers']).toBe('x-token');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-max-age']).toBe('600');
    expect(up.seen.length).toBe(before);
  });

  it('a preflight from another origin gets no CORS headers', async () => {
    const r = await request(port, { method: 'OPTIONS', path: '/cors', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('actual requests from allowed origins (incl. wildcard) are decorated', async () => {
    const r = await request(port, { path: '/cors', headers: { origin: 'https://a.trusted.io' } });
    expect(r.json().name).toBe('up');
    expect(r.headers['access-control-allow-origin']).toBe('https://a.trusted.io');
    expect(r.headers['access-control-expose-headers']).toBe('x-upstream');
    expect(r.headers.vary).toBe('Origin');
    const other = await request(port, { path: '/cors', headers: { origin: 'https://b.untrusted.io' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('forwarding headers and hop-by-hop', () => {
  it('appends to X-Forwarded-For, sets -Proto and -Host, keeps Host', async () => {
    const r = (await request(port, { path: '/', host: 'site.example.com', headers: { 'x-forwarded-for': '10.0.0.1' } })).json();
    expect(r.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(r.headers['x-forwarded-proto']).toBe('http');
    expect(r.headers['x-forwarded-host']).toBe('site.example.com');
    expect(r.headers.host).toBe('site.example.com');
    expect((await request(port, { path: '/' })).json().headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('strips hop-by-hop request headers and those named by Connection', async () => {
    const r = (
      await request(port, {
        path: '/',
        headers: { connection: 'keep-alive, x-secret-hop', 'x-secret-hop': '1', 'keep-alive': 'timeout=5', te: 'trailers', 'proxy-authorization': 'Basic abc', upgrade: 'h2c', 'x-end-to-end': 'yes' },
      })
    ).json().headers;
    for (const h of ['x-secret-hop', 'keep-alive', 'te', 'proxy-authorization', 'upgrade']) expect(r[h], h).toBeUndefined();
    expect(r['x-end-to-end']).toBe('yes');
    // The router's own keep-alive connection header towards the upstream is node's, not the client's.
    expect(r.connection).toBe('keep-alive');
  });

  it('strips hop-by-hop response headers', async () => {
    const hop = await startEcho('hop', (_req, res) => {
      res.writeHead(200, { connection: 'x-internal', 'x-internal': 'secret', 'keep-alive': 'timeout=99', 'proxy-authenticate': 'Basic', 'x-ok': '1', 'content-length': '2' });
      res.end('ok');
      return true;
    });
    const p = await freePort();
    const { engine: e } = newEngine();
    try {
      await e.apply(simple(p, [route('r', prefix('/'), 'hop')], [pool('hop', hop.port)]));
      // Read the raw response: node's client would hide some of these.
      const raw = await new Promise<string>((resolve) => {
        const s = net.connect(p, LOCAL, () => s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
        let out = '';
        s.on('data', (d) => (out += d));
        s.on('close', () => resolve(out.toLowerCase()));
      });
      expect(raw).toContain('x-ok: 1');
      expect(raw).not.toContain('x-internal');
      expect(raw).not.toContain('timeout=99');
      expect(raw).not.toContain('proxy-authenticate');
    } finally {
      await e.close(500);
      await hop.close();
    }
  });

  it('absolute-form targets route by their authority; HEAD and HTTP/1.0 clients work', async () => {
    const abs = await rawRequest(port, 'GET http://abs.example.com/full/x?y=1 HTTP/1.1\r\nHost: ignored.example\r\nConnection: close\r\n\r\n');
    expect(abs).toMatch(/^HTTP\/1\.1 200/);
    expect(abs).toContain('"url":"/replaced?y=1"');
    expect(abs).toContain('"x-forwarded-host":"ignored.example"');
    const head = await request(port, { method: 'HEAD', path: '/' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const old = await rawRequest(port, 'GET /plain HTTP/1.0\r\nHost: x\r\n\r\n');
    expect(old).toMatch(/^HTTP\/1\.1 200/);
    expect(old).toContain('"name":"up"');
  });

  it('Expect: 100-continue is answered by the router and not forwarded', async () => {
    const r = await request(port, { method: 'POST', path: '/', headers: { expect: '100-continue' }, body: 'after-continue' });
    expect(r.status).toBe(200);
    expect(r.json().body).toBe('after-continue');
    expect(r.json().headers.expect).toBeUndefined();
  });

  it('request bodies (small buffered and large streamed) arrive intact', async () => {
    const small = 'a'.repeat(1000);
    expect((await request(port, { method: 'POST', path: '/', body: small })).json().body).toBe(small);
    const large = Buffer.alloc(300_000, 'b').toString();
    const r = (await request(port, { method: 'PUT', path: '/', body: large })).json();
    expect(r.body.length).toBe(large.length);
    expect(r.headers['content-length']).toBe(String(large.length));
  });
});
