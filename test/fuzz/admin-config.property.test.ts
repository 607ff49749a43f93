/**
 * Property: random mutations of valid router configs (and of a valid delta), sent through the real
 * admin API of an in-process router, never get a 5xx and never crash it; a refusal (4xx) leaves the
 * live version where it was; an acceptance (200) makes the version it answers the live one; and the
 * router still serves traffic once a valid config is put back.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { diffConfigs } from '../../src/contract/config-delta.js';
import { withVersion } from '../../src/contract/config-version.js';
import type { RouterConfig } from '../../src/contract/router-config.schema.js';
import { startAdminHarness, type AdminHarness } from '../router/admin/support/admin-harness.js';
import { freePort, startUpstream, type Upstream } from '../router/admin/support/fixtures.js';
import { get } from '../router/admin/support/http.js';
import { fuzzBudget } from '../support/fuzz.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

let harness: AdminHarness;
let upstream: Upstream;
let listenPort: number;
/** A second port of ours: where a mutated listener port is moved (see keepPortsOurs). */
let sparePort: number;

/** Every feature of the format once: hosts, matches, filters, weights, retries, a mirror pool. */
function richConfig(): RouterConfig {
  return {
    listeners: [
      {
        name: 'web',
        address: '127.0.0.1',
        port: listenPort,
        protocol: 'HTTP',
        virtualHosts: [
          { name: 'any', hostnames: ['*'], routes: [{ name: 'all', match: { path: { type: 'PathPrefix', value: '/' } }, backends: [{ pool: 'up', weight: 1 }] }] },
          {
            name: 'api',
            hostnames: ['api.example.test', '*.wild.test'],
            scope: 'api',
            routes: [
              {
                name: 'exact',
                match: { path: { type: 'Exact', value: '/exact' }, headers: [{ name: 'x-a', value: '1' }], queryParams: [{ type: 'Exact', name: 'q', value: 'v' }], method: 'GET' },
                filters: [
                  { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-set', value: 'v' }], add: [{ name: 'x-add', value: 'w' }], remove: ['x-gone'] } },
                  { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'x-resp', value: 'r' }] } },
                  { type: 'URLRewrite', urlRewrite: { hostname: 'rewritten.test', path: { type: 'ReplacePrefixMatch', value: '/in' } } },
                  { type: 'RequestMirror', requestMirror: { pool: 'mirror', percent: 50 } },
                  { type: 'CORS', cors: { allowOrigins: ['https://a.test'], allowMethods: ['GET'], allowCredentials: true, maxAge: 60 } },
                ],
                backends: [
                  { pool: 'up', weight: 3, filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-b', value: '1' }] } }] },
                  { pool: 'mirror', weight: 1 },
                ],
                timeouts: { request: 5_000, backendRequest: 1_000 },
                retry: { attempts: 2, codes: [502, 503], backoff: 10 },
              },
              { name: 'regex', match: { path: { type: 'RegularExpression', value: '/r/[0-9]+' } }, backends: [{ pool: 'up', weight: 1 }] },
              {
                name: 'redirect',
                match: { path: { type: 'PathPrefix', value: '/old' } },
                filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'new.test', port: 8443, statusCode: 301, path: { type: 'ReplaceFullPath', value: '/new' } } }],
                backends: [],
              },
              { name: 'unresolved', match: { path: { type: 'PathPrefix', value: '/none' } }, backends: [{ weight: 1 }] },
            ],
          },
        ],
      },
    ],
    pools: [
      { name: 'mirror', endpoints: [{ host: '127.0.0.1', port: upstream.port, weight: 2 }] },
      { name: 'up', endpoints: [{ host: '127.0.0.1', port: upstream.port }] },
    ],
  };
}

/** The original design's format (PUT /config only), mapped onto --listen-port. */
function simpleConfig(): Json {
  return {
    routes: [
      { name: 'r', match: { path_prefix: '/api', host: 'example.test' }, pool: 'p', strip_prefix: true },
      { name: 's', match: { path_prefix: '/' }, pool: 'p' },
    ],
    pools: [{ name: 'p', upstreams: [{ host: '127.0.0.1', port: upstream.port }] }],
    default_pool: 'p',
  };
}

/** A valid delta on top of the rich config: a new host with its own pool. */
function validDelta(): Json {
  const base = withVersion(richConfig());
  const next = structuredClone(richConfig());
  next.listeners[0]!.virtualHosts.push({ name: 'zz', hostnames: ['zz.test'], routes: [{ name: 'zz', match: {}, backends: [{ pool: 'zz', weight: 1 }] }] });
  next.pools.push({ name: 'zz', endpoints: [{ host: '127.0.0.1', port: upstream.port }] });
  return JSON.parse(JSON.stringify(diffConfigs(base, withVersion(next)))) as Json;
}

interface Slot {
  parent: Json[] | { [key: string]: Json };
  key: string | number;
}

/** Every place in the document a value sits (root excluded), depth first. */
function slots(doc: Json, out: Slot[] = []): Slot[] {
  if (Array.isArray(doc)) doc.forEach((v, i) => (out.push({ parent: doc, key: i }), slots(v, out)));
  else if (doc !== null && typeof doc === 'object') {
    for (const k of Object.keys(doc)) {
      out.push({ parent: doc, key: k });
      slots(doc[k]!, out);
    }
  }
  return out;
}

function set(slot: Slot, value: Json): void {
  (slot.parent as Record<string | number, Json>)[slot.key] = value;
}

function wrongType(v: Json): Json {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return Number(v) || 7;
  if (typeof v === 'boolean') return v ? 'true' : 0;
  if (v === null) return 0;
  return Array.isArray(v) ? { 0: v[0] ?? null } : [v];
}

/** An own, enumerable `__proto__` key: what JSON.parse makes of `{"__proto__": ...}` in a body. */
function addProtoKey(target: { [key: string]: Json }, value: Json): void {
  Object.defineProperty(target, '__proto__', { value, enumerable: true, configurable: true, writable: true });
}

const junk: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom<Json>(-1, 0, 0.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', '\u0000', '\ud800', '../..', '*', 'up', 'web', '__proto__', 'constructor', [], {}, null, true),
  fc.constantFrom<Json>('x'.repeat(70_000), Array.from({ length: 2_000 }, (_, i) => `h${i}.test`)),
);

const OPS = ['delete', 'replace', 'wrongType', 'duplicate', 'dangling', 'proto', 'extra'] as const;
const mutation = fc.record({ op: fc.constantFrom(...OPS), at: fc.nat(), value: junk });
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(doc: Json, m: Mutation): void {
  const all = slots(doc);
  if (all.length === 0) return;
  const slot = all[m.at % all.length]!;
  const current = (slot.parent as Record<string | number, Json>)[slot.key]!;
  switch (m.op) {
    case 'delete':
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      return;
    case 'replace':
      return set(slot, m.value);
    case 'wrongType':
      return set(slot, wrongType(current));
    case 'duplicate': {
      // Duplicate names: the same listener, host, route, pool or endpoint twice in its list.
      const list = [...all.filter((s) => Array.isArray(s.parent))].map((s) => s.parent as Json[]);
      const target = list[m.at % Math.max(1, list.length)];
      if (target && target.length > 0) target.push(structuredClone(target[m.at % target.length]!));
      return;
    }
    case 'dangling': {
      // A reference to a pool nobody defined.
      const refs = all.filter((s) => s.key === 'pool' || s.key === 'default_pool');
      const ref = refs[m.at % Math.max(1, refs.length)];
      if (ref) set(ref, typeof m.value === 'string' && m.value !== 'up' && m.value !== 'mirror' && m.value !== 'p' ? m.value : 'no-such-pool');
      return;
    }
    case 'proto':
    case 'extra': {
      const objects = all.map((s) => (s.parent as Record<string | number, Json>)[s.key]).filter((v): v is { [key: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v));
      const target = objects[m.at % Math.max(1, objects.length)] ?? (doc as { [key: string]: Json });
      if (m.op === 'proto') addProtoKey(target, m.value);
      else {
        const value = m.value;
        const key: string = typeof value === 'string' && value !== '' ? String(value).slice(0, 20) : 'unexpected';
        target[key] = value;
      }
      return;
    }
  }
}

/**
 * A mutated listener port that could bind is moved to a port of ours: other engineers' tests share
 * this machine and its ports (binding :80 or their free port would break them, not us).
 */
function keepPortsOurs(doc: Json): void {
  const listeners = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc.listeners : undefined;
  if (!Array.isArray(listeners)) return;
  for (const l of listeners) {
    if (l === null || typeof l !== 'object' || Array.isArray(l)) continue;
    if (Number.isInteger(l.port) && (l.port as number) >= 1 && (l.port as number) <= 65535 && l.port !== listenPort) l.port = sparePort;
  }
}

const TARGETS = [
  { method: 'PUT', path: '/config', base: () => JSON.parse(JSON.stringify(richConfig())) as Json },
  { method: 'PUT', path: '/config', base: simpleConfig },
  { method: 'POST', path: '/routes/update', base: () => JSON.parse(JSON.stringify(richConfig())) as Json },
  { method: 'PATCH', path: '/config', base: validDelta },
] as const;

const request = fc.record({
  target: fc.nat({ max: TARGETS.length - 1 }),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  // Sometimes the body is not even JSON: cut short at some byte.
  cutAt: fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat() }),
});

async function call(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${harness.url}${path}`, { method, ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}) });
  return { status: res.status, text: await res.text() };
}

const liveVersion = async (): Promise<string | null> => (JSON.parse((await call('GET', '/config/version')).text) as { version: string | null }).version;

beforeAll(async () => {
  upstream = await startUpstream('up');
  [listenPort, sparePort] = [await freePort(), await freePort()];
  harness = await startAdminHarness(['--listen-port', String(listenPort)]);
});

afterAll(async () => {
  await harness?.close();
  await upstream?.close();
});

describe('admin API under random config mutations', () => {
  test('never a 5xx; 4xx leaves the live version; 200 puts the answered version live; traffic still flows', async () => {
    const baseText = JSON.stringify(richConfig());
    await fc.assert(
      fc.asyncProperty(request, async ({ target, mutations, cutAt }) => {
        const put = await call('PUT', '/config', baseText);
        expect(put.status, put.text).toBe(200);
        const before = await liveVersion();

        const t = TARGETS[target]!;
        const doc = t.base();
        for (const m of mutations) mutate(doc, m);
        keepPortsOurs(doc);
        let body = JSON.stringify(doc) ?? '';
        if (cutAt !== undefined) body = body.slice(0, cutAt % Math.max(1, body.length));

        const res = await call(t.method, t.path, body);
        expect(res.status, `${t.method} ${t.path} answered ${res.status}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status === 200) {
          expect(await liveVersion()).toBe((JSON.parse(res.text) as { version: string }).version);
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(typeof (JSON.parse(res.text) as { error?: unknown }).error, res.text).toBe('string');
          expect(await liveVersion(), `a ${res.status} changed the live version`).toBe(before);
        }
        expect((await call('GET', '/healthz')).status).toBe(200);
      }),
      fuzzBudget(150, 4_000),
    );
    // Whatever was accepted along the way, a valid config puts the router back to serving.
    expect((await call('PUT', '/config', baseText)).status).toBe(200);
    expect(await get(listenPort, '/after-fuzz')).toEqual({ status: 200, body: 'up' });
  }, 60_000);
});
