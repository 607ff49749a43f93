/**
 * ReDoS (issue 12): RegularExpression matches that are catastrophic for a backtracking engine
 * (`(a+)+$` on "aaaa…!": 2^n steps in JavaScript's RegExp) cost one linear pass in RE2. The built
 * `serval router --workers 1` runs in a child process (its one event loop serves traffic and the
 * admin API, as a traffic worker serves its connections), so a stuck match cannot stall this test:
 * on a backtracking engine the hostile requests never answer and the client gives up (10 s each).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RouterConfig } from '../../../src/contract/router-config.schema.js';
import { freePort, httpGet, startUpstream, waitFor, type Upstream } from '../../support/real-router.js';
import { admin, AUTH, TOKEN } from '../admin/support/http.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
/** 2^45 backtracking steps: hours for a backtracking engine, microseconds for RE2. */
const HOSTILE = `${'a'.repeat(45)}!`;

let out: string;
let router: ChildProcess;
let output = '';
let a: Upstream;
let b: Upstream;
let listenPort: number;
let base: string;

function config(withRegexes: boolean): RouterConfig {
  const regexRoutes: RouterConfig['listeners'][number]['virtualHosts'][number]['routes'] = [
    { name: 'nested', match: { path: { type: 'RegularExpression', value: '/redos/(a+)+$' } }, backends: [{ pool: 'a', weight: 1 }] },
    { name: 'alternation', match: { path: { type: 'RegularExpression', value: '^/alt/(a|aa)+$' } }, backends: [{ pool: 'a', weight: 1 }] },
    {
      name: 'header',
      match: { path: { type: 'PathPrefix', value: '/h' }, headers: [{ name: 'x-token', type: 'RegularExpression', value: '(a+)+$' }] },
      backends: [{ pool: 'a', weight: 1 }],
    },
    {
      name: 'query',
      match: { path: { type: 'PathPrefix', value: '/q' }, queryParams: [{ name: 't', type: 'RegularExpression', value: '(a|a?)+$' }] },
      backends: [{ pool: 'a', weight: 1 }],
    },
  ];
  const fallback = { name: 'rest', match: { path: { type: 'PathPrefix' as const, value: '/' } }, backends: [{ pool: 'b', weight: 1 }] };
  return {
    listeners: [
      {
        name: 'web',
        address: '127.0.0.1',
        port: listenPort,
        protocol: 'HTTP',
        virtualHosts: [{ name: 'any', hostnames: ['*'], routes: withRegexes ? [...regexRoutes, fallback] : [fallback] }],
      },
    ],
    pools: [
      { name: 'a', endpoints: [{ host: '127.0.0.1', port: a.port }] },
      { name: 'b', endpoints: [{ host: '127.0.0.1', port: b.port }] },
    ],
  };
}

beforeAll(async () => {
  // Its own output folder: router-process.test.ts builds dist/ at the same time.
  await mkdir(join(ROOT, '.cache'), { recursive: true });
  out = await mkdtemp(join(ROOT, '.cache/redos-dist-'));
  await run('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', out], { cwd: ROOT }).catch(() => undefined);
  const main = join(out, 'main.js');
  expect(existsSync(main), `${main} was not built`).toBe(true);
  [a, b, listenPort] = await Promise.all([startUpstream('A'), startUpstream('B'), freePort()]);
  const adminPort = await freePort();
  base = `http://127.0.0.1:${adminPort}`;
  router = spawn(process.execPath, [main, 'router', '--workers', '1', '--admin-port', String(adminPort), '--admin-token', TOKEN, '--log-level', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  router.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  router.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  await waitFor('admin API', async () => (await admin(base, 'GET', '/healthz')).status === 200, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${output}`);
  });
}, 240_000);

afterAll(async () => {
  if (router && router.exitCode === null) router.kill('SIGKILL');
  await Promise.all([a?.close(), b?.close()]);
  if (out) await rm(out, { recursive: true, force: true });
});

test('hostile inputs against backtracking-catastrophic patterns answer, while other connections and a config push are served', async () => {
  const put = await admin(base, 'PUT', '/config', config(true), AUTH);
  expect(put.status, put.text).toBe(200);
  // The patterns still route what they should.
  expect(await httpGet(listenPort, '/redos/aaaa')).toMatchObject({ status: 200, body: 'A' });
  expect(await httpGet(listenPort, '/alt/aaa')).toMatchObject({ status: 200, body: 'A' });
  expect(await httpGet(listenPort, '/h', { 'x-token': 'aaa' })).toMatchObject({ status: 200, body: 'A' });
  expect(await httpGet(listenPort, '/q?t=aaa')).toMatchObject({ status: 200, body: 'A' });

  // All at once, each on its own connection, with the regexes live: the hostile ones fall through
  // to the catch-all, and the plain request beside them is served.
  const [nested, alternation, header, query, other] = await Promise.all([
    httpGet(listenPort, `/redos/${HOSTILE}`),
    httpGet(listenPort, `/alt/${HOSTILE}`),
    httpGet(listenPort, '/h', { 'x-token': HOSTILE }),
    httpGet(listenPort, `/q?t=${HOSTILE}`),
    httpGet(listenPort, '/other'),
  ]);
  expect([nested, alternation, header, query, other].map((r) => [r.status, r.body])).toEqual([
    [200, 'B'],
    [200, 'B'],
    [200, 'B'],
    [200, 'B'],
    [200, 'B'],
  ]);
  const live = await admin(base, 'GET', '/config');
  expect(live.json.version, 'the hostile requests ran against the regexes').toBe(put.json.version);

  // And the push that removes the regexes goes live (it timed out behind a stuck match before).
  const push = await admin(base, 'PUT', '/config', config(false), AUTH);
  expect(push.status, push.text).toBe(200);
  expect(await httpGet(listenPort, '/redos/aaaa')).toMatchObject({ status: 200, body: 'B' });
}, 120_000);
