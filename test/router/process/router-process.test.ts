/**
 * The built `serval router` as an operator runs it: a child process with 2 traffic workers under
 * node:cluster. Config push, traffic, metrics summed across workers, a worker crash, and SIGTERM
 * draining an in-flight request before exit 0.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, singleRouteConfig, startUpstream, waitFor, type Upstream } from '../admin/support/fixtures.js';
import { admin, AUTH, get, metricValue, TOKEN } from '../admin/support/http.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'dist/main.js');

interface RouterProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startRouter(args: string[]): RouterProcess {
  const child = spawn(process.execPath, [MAIN, 'router', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ADMIN_TOKEN: '' } });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

async function childPids(pid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

beforeAll(async () => {
  // The test runs what `npm run build` produces; type errors elsewhere in the tree do not stop tsc emitting.
  await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => undefined);
  expect(existsSync(join(ROOT, 'dist/modes/router.main.js')), 'dist/modes/router.main.js was not built').toBe(true);
}, 240_000);

describe('refusing unsafe or broken starts', () => {
  test('a non-loopback admin address without a token exits 2 with a clear error', async () => {
    const r = startRouter(['--admin-address', '0.0.0.0', '--admin-port', String(await freePort()), '--workers', '1']);
    expect(await r.exited).toEqual({ code: 2, signal: null });
    expect(r.output()).toMatch(/--admin-address 0\.0\.0\.0 is not a loopback address: set --admin-token/);
  }, 60_000);

  test('an invalid --config file exits 2 naming the problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serval-router-'));
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ listeners: [{ name: 'x', port: 'nope', protocol: 'HTTP', virtualHosts: [] }], pools: [] }));
    const r = startRouter(['--config', file, '--admin-port', String(await freePort()), '--workers', '1']);
    expect(await r.exited).toEqual({ code: 2, signal: null });
    expect(r.output()).toContain('/listeners/0/port: expected integer');
  }, 60_000);
});

describe('serval router --workers 2', () => {
  let router: RouterProcess;
  let upstream: Upstream;
  let listenPort: number;
  let base: string;

  beforeAll(async () => {
    upstream = await startUpstream('up');
    listenPort = await freePort();
    const adminPort = await freePort();
    base = `http://127.0.0.1:${adminPort}`;
    router = startRouter(['--workers', '2', '--admin-port', String(adminPort), '--admin-token', TOKEN, '--log-level', 'warn', '--drain-timeout', '20000']);
    await waitFor('admin API', async () => (await admin(base, 'GET', '/healthz')).status === 200, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${router.output()}`);
    });
  }, 90_000);

  afterAll(async () => {
    if (router.child.exitCode === null) router.child.kill('SIGKILL');
    await upstream?.close();
  });

  test('not ready until a config is pushed; then both workers serve it', async () => {
    expect((await admin(base, 'GET', '/readyz')).status).toBe(503);
    const put = await admin(base, 'PUT', '/config', singleRouteConfig(listenPort, upstream.port), AUTH);
    expect(put.status, put.text).toBe(200);
    const ready = await admin(base, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json.details.config).toMatchObject({ status: 'up', version: put.json.version, readyWorkers: 2 });
    expect((await admin(base, 'GET', '/config')).json.version).toBe(put.json.version);
  }, 60_000);

  test('/metrics sums request counts across workers', async () => {
    const before = metricValue((await admin(base, 'GET', '/metrics')).text, 'serval_requests_total', { route: 'all', status: '200' });
    // A new connection each time, so the primary spreads them over both workers.
    for (let i = 0; i < 40; i++) expect(await get(listenPort, `/n/${i}`)).toEqual({ status: 200, body: 'up' });
    const text = (await admin(base, 'GET', '/metrics')).text;
    expect(metricValue(text, 'serval_requests_total', { route: 'all', status: '200' }) - before).toBe(40);
    expect(metricValue(text, 'serval_request_duration_seconds_count', { route: 'all' }) - before).toBe(40);
    expect(metricValue(text, 'serval_config_swaps_total')).toBe(1);
    expect(metricValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // The workers' catch-alls are wired to the metric (summed like the rest): nothing caught here.
    expect(metricValue(text, 'serval_internal_errors_total', { site: 'request' })).toBe(0);
  }, 60_000);

  test('a worker that dies is replaced and gets the live config before it counts as ready', async () => {
    const workers = await childPids(router.child.pid!);
    expect(workers).toHaveLength(2);
    process.kill(workers[0], 'SIGKILL');
    await waitFor('a replacement worker', async () => {
      const now = await childPids(router.child.pid!);
      return now.length === 2 && !now.includes(workers[0]);
    });
    await waitFor('2 ready workers', async () => (await admin(base, 'GET', '/readyz')).json?.details?.config?.readyWorkers === 2);
    for (let i = 0; i < 10; i++) expect(await get(listenPort, `/after-crash/${i}`)).toEqual({ status: 200, body: 'up' });
  }, 60_000);

  test('SIGTERM: readiness off, the in-flight slow request completes, exit 0', async () => {
    const received = upstream.received;
    const slow = get(listenPort, '/slow?ms=2500');
    await waitFor('the slow request to reach the upstream', async () => upstream.received > received);
    router.child.kill('SIGTERM');
    await waitFor('readyz 503', async () => (await admin(base, 'GET', '/readyz')).status === 503, 2_000);
    expect(await slow).toEqual({ status: 200, body: 'up' });
    expect(await router.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
