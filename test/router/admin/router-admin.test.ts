/**
 * The router admin API end to end: real engine, real upstreams on 127.0.0.1, requests through the
 * router's listener. Every failed push must leave the previous config serving, unchanged.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RouterConfig } from '../../../src/contract/router-config.schema.js';
import { startAdminHarness, type AdminHarness } from './support/admin-harness.js';
import { freePort, singleRouteConfig, startUpstream, type Upstream } from './support/fixtures.js';
import { admin, AUTH, get, metricValue, TOKEN } from './support/http.js';

let h: AdminHarness;
let upA: Upstream;
let upB: Upstream;
let listenPort: number;

beforeAll(async () => {
  [upA, upB, listenPort] = await Promise.all([startUpstream('A'), startUpstream('B'), freePort()]);
  h = await startAdminHarness(['--admin-token', TOKEN, '--listen-address', '127.0.0.1', '--listen-port', String(listenPort), '--admin-body-limit', String(8 * 1024 * 1024)]);
});

afterAll(async () => {
  await h?.close();
  await Promise.all([upA?.close(), upB?.close()]);
});

/** The config served before a bad push, to compare after it. */
async function assertStillServing(version: string, body = 'A'): Promise<void> {
  const live = await admin(h.url, 'GET', '/config');
  expect(live.json.version).toBe(version);
  const r = await get(listenPort, '/still-there');
  expect(r).toEqual({ status: 200, body });
}

describe('before any config', () => {
  test('healthz is 200, readyz is 503, GET /config has no version', async () => {
    expect((await admin(h.url, 'GET', '/healthz')).status).toBe(200);
    const ready = await admin(h.url, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json.error.config.reason).toMatch(/no config/);
    const live = await admin(h.url, 'GET', '/config');
    expect(live.json).toMatchObject({ version: null, config: null });
  });
});

describe('pushing configs', () => {
  test("PUT /config takes the original design's simple format exactly as its curl example sends it", async () => {
    const simple = {
      routes: [{ name: 'api', match: { path_prefix: '/api' }, pool: 'backend' }],
      pools: [{ name: 'backend', upstreams: [{ host: '127.0.0.1', port: upA.port }] }],
      default_pool: 'backend',
    };
    const put = await admin(h.url, 'PUT', '/config', simple, AUTH);
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ ok: true, changed: true });
    expect(put.json.version).toMatch(/^[0-9a-f]{16}$/);

    expect(await get(listenPort, '/api/get')).toEqual({ status: 200, body: 'A' });
    expect((await admin(h.url, 'GET', '/readyz')).status).toBe(200);
    const live = await admin(h.url, 'GET', '/config');
    expect(live.json.version).toBe(put.json.version);
    expect(live.json.config.listeners[0]).toMatchObject({ address: '127.0.0.1', port: listenPort, protocol: 'HTTP' });

    const routes = await admin(h.url, 'GET', '/routes');
    expect(routes.json).toContainEqual(
      expect.objectContaining({ listener: 'default', route: 'api', match: { path: { type: 'PathPrefix', value: '/api' } }, backends: [{ pool: 'backend', weight: 1, endpoints: [`127.0.0.1:${upA.port}`] }] }),
    );
  });

  test('the same document again is accepted without a swap', async () => {
    const before = await admin(h.url, 'GET', '/config');
    const again = await admin(h.url, 'POST', '/routes/update', before.json.config, AUTH);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ version: before.json.version, changed: false });
    expect((await admin(h.url, 'GET', '/config')).json.swapCount).toBe(before.json.swapCount);
  });

  test('POST /routes/update takes the full format and the new config serves at once', async () => {
    const res = await admin(h.url, 'POST', '/routes/update', singleRouteConfig(listenPort, upB.port), AUTH);
    expect(res.status).toBe(200);
    expect(await get(listenPort, '/x')).toEqual({ status: 200, body: 'B' });
    // Back to A for the tests below.
    expect((await admin(h.url, 'POST', '/routes/update', singleRouteConfig(listenPort, upA.port), AUTH)).status).toBe(200);
    expect(await get(listenPort, '/x')).toEqual({ status: 200, body: 'A' });
  });

  test('POST /routes/update refuses the simple format (the control plane always sends the full one)', async () => {
    const version = (await admin(h.url, 'GET', '/config')).json.version;
    const res = await admin(h.url, 'POST', '/routes/update', { routes: [], pools: [] }, AUTH);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid config', path: '', reason: expect.stringContaining('listeners') });
    await assertStillServing(version);
  });
});

describe('bad pushes change nothing', () => {
  let version: string;
  beforeAll(async () => {
    version = (await admin(h.url, 'GET', '/config')).json.version;
    expect(version).toBeTruthy();
  });

  test('malformed JSON: 400', async () => {
    const res = await admin(h.url, 'PUT', '/config', '{"routes": [', AUTH);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'malformed JSON', path: '' });
    await assertStillServing(version);
  });

  test('a prototype-poisoning key: 400 naming the key and where it is, not "malformed JSON"', async () => {
    const text = JSON.stringify(singleRouteConfig(listenPort, upB.port));
    const poisoned = text.replace('"listeners":[{', '"listeners":[{"__proto__":{"admin":true},');
    const res = await admin(h.url, 'PUT', '/config', poisoned, AUTH);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'forbidden key', path: '/listeners/0/__proto__', reason: expect.stringMatching(/"__proto__" keys are refused/) });
    // Spelled with escapes, and the constructor.prototype form.
    const escaped = await admin(h.url, 'PUT', '/config', text.replace('{', '{"\\u005f_proto__":{},'), AUTH);
    expect(escaped.json).toMatchObject({ error: 'forbidden key', path: '/__proto__' });
    const ctor = await admin(h.url, 'PUT', '/config', text.replace('{', '{"pools2":{"constructor":{"prototype":{}}},'), AUTH);
    expect(ctor.json).toMatchObject({ error: 'forbidden key', path: '/pools2/constructor' });
    await assertStillServing(version);
  });

  test('an empty JSON body: 400', async () => {
    const res = await admin(h.url, 'PUT', '/config', '', { ...AUTH, 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'empty JSON body' });
  });

  test('wrong type: 400 with the JSON path of the problem', async () => {
    const doc = singleRouteConfig(listenPort, upB.port) as unknown as { listeners: { port: unknown }[] };
    doc.listeners[0].port = 'eighty';
    const res = await admin(h.url, 'PUT', '/config', doc, AUTH);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'invalid config', path: '/listeners/0/port', reason: 'expected integer' });
    await assertStillServing(version);
  });

  test('unknown field: 400 naming it', async () => {
    const doc = singleRouteConfig(listenPort, upB.port);
    (doc.pools[0].endpoints[0] as Record<string, unknown>).hostname = 'typo';
    const res = await admin(h.url, 'PUT', '/config', doc, AUTH);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'invalid config', path: '/pools/0/endpoints/0', reason: 'unknown field "hostname"' });
    await assertStillServing(version);
  });

  test('a route pointing at a pool that does not exist: 400', async () => {
    const doc = singleRouteConfig(listenPort, upB.port);
    doc.listeners[0].virtualHosts[0].routes[0].backends[0].pool = 'nope';
    const res = await admin(h.url, 'PUT', '/config', doc, AUTH);
    expect(res.status).toBe(400);
    expect(res.json.path).toBe('/listeners/0/virtualHosts/0/routes/0/backends/0/pool');
    await assertStillServing(version);
  });

  test('a 10 MB body: 413', async () => {
    const doc = { ...singleRouteConfig(listenPort, upB.port), padding: 'x'.repeat(10 * 1024 * 1024) };
    const res = await admin(h.url, 'PUT', '/config', doc, AUTH);
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: 'body too large' });
    await assertStillServing(version);
  });

  test('a body that is not JSON: 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await admin(h.url, 'PUT', '/config', JSON.stringify(singleRouteConfig(listenPort, upB.port)), { ...AUTH, 'content-type': type });
      expect(res.status).toBe(415);
      expect(res.json).toMatchObject({ error: 'unsupported content type' });
    }
    await assertStillServing(version);
  });

  test('no body: 400', async () => {
    const res = await admin(h.url, 'PUT', '/config', undefined, AUTH);
    expect(res.status).toBe(400);
    await assertStillServing(version);
  });

  test('a valid config the host cannot honour (its port is taken): 409, counted as a swap failure', async () => {
    const taken = await startUpstream('squatter');
    try {
      const before = metricValue((await admin(h.url, 'GET', '/metrics')).text, 'serval_config_swap_failures_total');
      const doc = singleRouteConfig(listenPort, upB.port);
      doc.listeners.push({ ...doc.listeners[0], name: 'second', port: taken.port });
      const res = await admin(h.url, 'PUT', '/config', doc, AUTH);
      expect(res.status).toBe(409);
      expect(res.json).toMatchObject({ error: 'config not applied', reason: expect.stringMatching(/EADDRINUSE/) });
      await assertStillServing(version);
      const after = metricValue((await admin(h.url, 'GET', '/metrics')).text, 'serval_config_swap_failures_total');
      expect(after).toBe(before + 1);
    } finally {
      await taken.close();
    }
  });
});

describe('the admin token', () => {
  test('changes without the token or with a wrong one get 401 and change nothing', async () => {
    const version = (await admin(h.url, 'GET', '/config')).json.version;
    const doc = singleRouteConfig(listenPort, upB.port);
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-0123456789ab' }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }];
    for (const headers of attempts) {
      const put = await admin(h.url, 'PUT', '/config', doc, headers);
      expect(put.status).toBe(401);
      expect(put.json).toMatchObject({ error: 'unauthorized' });
      expect((await admin(h.url, 'POST', '/routes/update', doc, headers)).status).toBe(401);
    }
    await assertStillServing(version);
  });

  test('the scheme is case-insensitive (RFC 9110 11.1): bearer, BEARER and extra spaces pass', async () => {
    const doc = singleRouteConfig(listenPort, upA.port, 'auth-scheme');
    for (const authorization of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer   ${TOKEN}`]) {
      expect((await admin(h.url, 'PUT', '/config', doc, { authorization })).status, authorization).toBe(200);
    }
    expect((await admin(h.url, 'PUT', '/config', doc, { authorization: `bearer` })).status).toBe(401);
    expect((await admin(h.url, 'PUT', '/config', doc, { authorization: `bearerx ${TOKEN}` })).status).toBe(401);
  });

  test('reads need no token', async () => {
    for (const path of ['/config', '/routes', '/endpoints', '/healthz', '/readyz', '/metrics']) {
      expect((await admin(h.url, 'GET', path)).status, path).toBe(200);
    }
  });
});

describe('metrics', () => {
  test('requests are counted per route and status, with durations and the config version', async () => {
    const doc: RouterConfig = singleRouteConfig(listenPort, upA.port, 'metrics-route');
    doc.listeners[0].virtualHosts[0].routes.unshift({ name: 'dead-end', match: { path: { type: 'Exact', value: '/dead' } }, backends: [] });
    const put = await admin(h.url, 'PUT', '/config', doc, AUTH);
    expect(put.status).toBe(200);
    for (let i = 0; i < 7; i++) expect((await get(listenPort, `/m${i}`)).status).toBe(200);
    const text = (await admin(h.url, 'GET', '/metrics')).text;
    expect(metricValue(text, 'serval_requests_total', { route: 'metrics-route', status: '200' })).toBe(7);
    expect(metricValue(text, 'serval_request_duration_seconds_count', { route: 'metrics-route' })).toBe(7);
    expect(metricValue(text, 'serval_request_duration_seconds_bucket', { route: 'metrics-route', le: '+Inf' })).toBe(7);
    expect(metricValue(text, 'serval_config_info', { version: put.json.version })).toBe(1);
    expect(metricValue(text, 'serval_config_swaps_total')).toBeGreaterThanOrEqual(1);
    const changedAt = metricValue(text, 'serval_config_last_change_timestamp_seconds');
    expect(Math.abs(changedAt - Date.parse(put.json.changedAt) / 1000)).toBeLessThan(1);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toContain('# TYPE serval_request_duration_seconds histogram');
  });
});
