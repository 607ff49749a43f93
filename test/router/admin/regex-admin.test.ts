/**
 * RegularExpression matches at the router's door: a pattern RE2 cannot compile (or too large a
 * program) is a 400 whose `path` points at the pattern and whose reason is RE2's, and the config
 * that was live keeps serving unchanged; RE2 patterns, JavaScript-only syntax aside, route.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RouteConfig, RouterConfig } from '../../../src/contract/router-config.schema.js';
import { httpGet } from '../../support/real-router.js';
import { startAdminHarness, type AdminHarness } from './support/admin-harness.js';
import { freePort, startUpstream, type Upstream } from './support/fixtures.js';
import { admin, AUTH, TOKEN } from './support/http.js';

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

const toA = [{ pool: 'a', weight: 1 }];
const fallback: RouteConfig = { name: 'rest', match: { path: { type: 'PathPrefix', value: '/' } }, backends: [{ pool: 'b', weight: 1 }] };

function config(routes: RouteConfig[]): RouterConfig {
  return {
    listeners: [{ name: 'web', address: '127.0.0.1', port: listenPort, protocol: 'HTTP', virtualHosts: [{ name: 'any', hostnames: ['*'], routes: [...routes, fallback] }] }],
    pools: [
      { name: 'a', endpoints: [{ host: '127.0.0.1', port: upA.port }] },
      { name: 'b', endpoints: [{ host: '127.0.0.1', port: upB.port }] },
    ],
  };
}

const legit: RouteConfig[] = [
  { name: 'items', match: { path: { type: 'RegularExpression', value: '^/v2/[a-z]+/\\d+$' } }, backends: toA },
  { name: 'ua', match: { path: { type: 'PathPrefix', value: '/ua' }, headers: [{ name: 'user-agent', type: 'RegularExpression', value: '(?i)chrome/.*' }] }, backends: toA },
  { name: 'id', match: { path: { type: 'PathPrefix', value: '/q' }, queryParams: [{ name: 'id', type: 'RegularExpression', value: '[0-9a-f]{8}' }] }, backends: toA },
];

describe('a config with RE2 patterns', () => {
  let version: string;

  test('goes live and routes by them', async () => {
    const put = await admin(h.url, 'PUT', '/config', config(legit), AUTH);
    expect(put.status, put.text).toBe(200);
    version = put.json.version;
    expect(await httpGet(listenPort, '/v2/users/42')).toMatchObject({ status: 200, body: 'A' });
    expect(await httpGet(listenPort, '/v2/users/x42')).toMatchObject({ status: 200, body: 'B' });
    expect(await httpGet(listenPort, '/ua', { 'user-agent': 'Chrome/120.0' })).toMatchObject({ status: 200, body: 'A' });
    expect(await httpGet(listenPort, '/ua', { 'user-agent': 'curl/8' })).toMatchObject({ status: 200, body: 'B' });
    expect(await httpGet(listenPort, '/q?id=deadbeef')).toMatchObject({ status: 200, body: 'A' });
    expect(await httpGet(listenPort, '/q?id=deadbeef0')).toMatchObject({ status: 200, body: 'B' });
  });

  test.each([
    [
      'a backreference in a path (exponential for a backtracking engine)',
      { name: 'bad', match: { path: { type: 'RegularExpression', value: '^/redos/(a+)+\\1$' } }, backends: toA },
      '/listeners/0/virtualHosts/0/routes/3/match/path/value',
      'invalid regular expression: error parsing regexp: invalid escape sequence: `\\1`',
    ],
    [
      'a lookahead in a header value',
      { name: 'bad', match: { headers: [{ name: 'x-a', value: 'ok' }, { name: 'x-b', type: 'RegularExpression', value: '(?=a)a+' }] }, backends: toA },
      '/listeners/0/virtualHosts/0/routes/3/match/headers/1/value',
      'invalid regular expression: error parsing regexp: invalid or unsupported Perl syntax: `(?=`',
    ],
    [
      'too large a program in a query parameter',
      { name: 'bad', match: { queryParams: [{ name: 'q', type: 'RegularExpression', value: '(\\pL|\\pN){100}' }] }, backends: toA },
      '/listeners/0/virtualHosts/0/routes/3/match/queryParams/0/value',
      'invalid regular expression: pattern too large: compiles to 302 RE2 instructions, at most 200 allowed',
    ],
  ] as const)('%s: 400 at the pattern, and the live config keeps serving', async (_what, bad, path, reason) => {
    const put = await admin(h.url, 'PUT', '/config', config([...legit, bad as RouteConfig]), AUTH);
    expect(put.status).toBe(400);
    expect(put.json).toEqual({ error: 'invalid config', path, reason });
    expect((await admin(h.url, 'GET', '/config')).json.version).toBe(version);
    expect(await httpGet(listenPort, '/v2/users/42')).toMatchObject({ status: 200, body: 'A' });
  });

  test('PATCH: the same refusal, with the path inside the delta', async () => {
    const live = (await admin(h.url, 'GET', '/config')).json.config as RouterConfig;
    const vhost = { ...live.listeners[0]!.virtualHosts[0]!, routes: [{ name: 'bad', match: { path: { type: 'RegularExpression', value: '(a)\\1' } }, backends: toA }] };
    const patch = await admin(h.url, 'PATCH', '/config', { baseVersion: version, version: 'whatever', virtualHosts: [{ listener: 'web', virtualHost: vhost }] }, AUTH);
    expect(patch.status).toBe(400);
    expect(patch.json).toMatchObject({ path: '/virtualHosts/0/virtualHost/routes/0/match/path/value', reason: expect.stringContaining('invalid escape sequence') });
    expect((await admin(h.url, 'GET', '/config')).json.version).toBe(version);
  });
});
