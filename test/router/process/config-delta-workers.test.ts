/**
 * PATCH /config on the built `serval router --workers 2`: the primary validates a delta and sends it
 * (not the whole config) to each traffic worker, which applies it to its own copy. The delta
 * scenario, deltas under load, a delta no worker can honour, a worker that hangs during a delta (the
 * other goes back), and a replaced worker taking deltas.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { withVersion } from '../../../src/contract/config-version.js';
import type { RouterConfig } from '../../../src/contract/router-config.schema.js';
import { delta, expectServed, generation, host, patch, runDeltaScenario, stableHosts, type DeltaTarget } from '../admin/support/delta-scenario.js';
import { freePort, startUpstream, waitFor, type Upstream } from '../admin/support/fixtures.js';
import { admin, AUTH, get, TOKEN } from '../admin/support/http.js';
import { startLoad } from '../admin/support/load.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'dist/main.js');

let child: ChildProcess;
let output = '';
let upA: Upstream;
let upB: Upstream;
let t: DeltaTarget;

async function workerPids(): Promise<number[]> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(child.pid)]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

const readyWorkers = async (): Promise<number | undefined> => (await admin(t.base, 'GET', '/readyz')).json?.details?.config?.readyWorkers;

beforeAll(async () => {
  // The test runs what `npm run build` produces; type errors elsewhere in the tree do not stop tsc emitting.
  await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => undefined);
  expect(existsSync(join(ROOT, 'dist/modes/router.main.js')), 'dist/modes/router.main.js was not built').toBe(true);
  let listenPort: number;
  let adminPort: number;
  [upA, upB, listenPort, adminPort] = await Promise.all([startUpstream('A'), startUpstream('B'), freePort(), freePort()]);
  t = { base: `http://127.0.0.1:${adminPort}`, listenPort, portA: upA.port, portB: upB.port };
  child = spawn(process.execPath, [MAIN, 'router', '--workers', '2', '--admin-port', String(adminPort), '--admin-token', TOKEN, '--log-level', 'warn', '--worker-apply-timeout', '3000'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ADMIN_TOKEN: '' },
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  await waitFor('admin API', async () => (await admin(t.base, 'GET', '/healthz')).status === 200, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${output}`);
  });
}, 300_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  await Promise.all([upA?.close(), upB?.close()]);
});

test('PATCH /config through 2 workers: add, change and remove hosts and pools; 400 and 412 leave the live config serving', async () => {
  await runDeltaScenario(t);
  expect(await readyWorkers()).toBe(2);
  // The workers took every delta on their own copies (a mismatch would have cost a whole config).
  expect(output).not.toContain('could not apply the delta');
}, 120_000);

test('30 delta swaps under 8 keep-alive clients across 2 workers: zero failed requests', async () => {
  const stable = stableHosts();
  const gen = (i: number) => generation(i, t.listenPort, t.portA, t.portB, stable);
  let previous = gen(0);
  const put = await admin(t.base, 'PUT', '/config', previous, AUTH);
  expect(put.status, put.text).toBe(200);
  const load = startLoad(t.listenPort, 8, (body) => body === 'A' || body === 'B');
  try {
    for (let i = 1; i <= 30; i++) {
      const next = gen(i);
      const res = await patch(t, delta(previous, next));
      expect(res.status, res.text).toBe(200);
      expect(res.json.version).toBe(next.version);
      previous = next;
      await load.more(8);
    }
  } finally {
    await load.stop();
  }
  expect(load.failures).toEqual([]);
  expect(load.bodies.get('A')).toBeGreaterThan(0);
  expect(load.bodies.get('B')).toBeGreaterThan(0);
  // Generation 30 routes to A on every worker (new connections spread over both).
  for (let i = 0; i < 10; i++) expect(await get(t.listenPort, `/after/${i}`)).toEqual({ status: 200, body: 'A' });
}, 120_000);

test('a delta the workers cannot honour (its new listener port is taken) is 409 and changes nothing; the next delta applies', async () => {
  const pool = { name: 'pool-a', endpoints: [{ host: '127.0.0.1', port: t.portA }] };
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const busyPort = (busy.address() as net.AddressInfo).port;
  try {
    const v0 = withVersion({ listeners: [{ name: 'web', address: '127.0.0.1', port: t.listenPort, protocol: 'HTTP', virtualHosts: [host('a', 'pool-a')] }], pools: [pool] });
    expect((await admin(t.base, 'PUT', '/config', v0, AUTH)).status).toBe(200);
    const taken: RouterConfig = withVersion({
      listeners: [...v0.listeners, { name: 'extra', address: '127.0.0.1', port: busyPort, protocol: 'HTTP', virtualHosts: [host('x', 'pool-a')] }],
      pools: [pool],
    });
    const refused = await patch(t, delta(v0, taken));
    expect(refused.status, refused.text).toBe(409);
    expect((await admin(t.base, 'GET', '/config')).json.version).toBe(v0.version);
    await expectServed(t, { a: { status: 200, body: 'A' }, b: { status: 404 } }, 4);

    const v1 = withVersion({ ...v0, version: undefined, listeners: [{ ...v0.listeners[0], virtualHosts: [host('a', 'pool-a'), host('b', 'pool-a')] }] });
    const next = await patch(t, delta(v0, v1));
    expect(next.status, next.text).toBe(200);
    await expectServed(t, { a: { status: 200, body: 'A' }, b: { status: 200, body: 'A' } }, 4);
    expect(await readyWorkers()).toBe(2);
  } finally {
    busy.close();
  }
}, 120_000);

test('a replaced worker gets the whole config, then takes deltas like the others', async () => {
  const pool = { name: 'pool-b', endpoints: [{ host: '127.0.0.1', port: t.portB }] };
  const v0 = withVersion({ listeners: [{ name: 'web', address: '127.0.0.1', port: t.listenPort, protocol: 'HTTP', virtualHosts: [host('a', 'pool-b')] }], pools: [pool] });
  expect((await admin(t.base, 'PUT', '/config', v0, AUTH)).status).toBe(200);
  const before = await workerPids();
  expect(before).toHaveLength(2);
  process.kill(before[0], 'SIGKILL');
  await waitFor('a replacement worker, ready', async () => {
    const now = await workerPids();
    return now.length === 2 && !now.includes(before[0]) && (await readyWorkers()) === 2;
  }, 60_000);
  const v1 = withVersion({ ...v0, version: undefined, listeners: [{ ...v0.listeners[0], virtualHosts: [host('a', 'pool-b'), host('c', 'pool-b')] }] });
  const res = await patch(t, delta(v0, v1));
  expect(res.status, res.text).toBe(200);
  await expectServed(t, { a: { status: 200, body: 'B' }, c: { status: 200, body: 'B' } }, 8);
  expect(output).not.toContain('could not apply the delta');
}, 120_000);

test('a worker that hangs during a delta is killed and replaced; the other goes back to the live config; nothing changes', async () => {
  const pool = { name: 'pool-a', endpoints: [{ host: '127.0.0.1', port: t.portA }] };
  const v0 = withVersion({ listeners: [{ name: 'web', address: '127.0.0.1', port: t.listenPort, protocol: 'HTTP', virtualHosts: [host('a', 'pool-a')] }], pools: [pool] });
  expect((await admin(t.base, 'PUT', '/config', v0, AUTH)).status).toBe(200);
  const v1 = withVersion({ ...v0, version: undefined, listeners: [{ ...v0.listeners[0], virtualHosts: [host('a', 'pool-a'), host('h', 'pool-a')] }] });
  const before = await workerPids();
  expect(before).toHaveLength(2);
  // A real hang: the process is stopped, so it neither answers nor acts on SIGTERM.
  process.kill(before[0], 'SIGSTOP');
  try {
    const res = await patch(t, delta(v0, v1));
    expect(res.status, res.text).toBe(503);
    expect(res.text).toMatch(/did not answer/);
  } finally {
    try {
      process.kill(before[0], 'SIGCONT');
    } catch {
      // already gone: it was killed, as it should be
    }
  }
  expect((await admin(t.base, 'GET', '/config')).json.version).toBe(v0.version);
  await waitFor('the hung worker gone and a replacement ready', async () => {
    const now = await workerPids();
    return now.length === 2 && !now.includes(before[0]) && (await readyWorkers()) === 2;
  }, 60_000);
  // Both workers serve v0: the one that had taken v1 was rolled back (host h would answer on its connections).
  await expectServed(t, { a: { status: 200, body: 'A' }, h: { status: 404 } }, 8);
  // And the same delta goes through now.
  const again = await patch(t, delta(v0, v1));
  expect(again.status, again.text).toBe(200);
  await expectServed(t, { a: { status: 200, body: 'A' }, h: { status: 200, body: 'A' } }, 8);
}, 120_000);
