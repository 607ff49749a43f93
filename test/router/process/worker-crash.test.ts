/**
 * A traffic worker killed with SIGKILL under keep-alive load (the built `serval router --workers 2`):
 * only requests on that worker's connections may fail, each at most once (its client reconnects), no
 * response is ever an error or from an older config, and the replacement serves the live config on
 * the connections it takes. Which worker holds which connection is read from /proc (Linux).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort, singleRouteConfig, startUpstream, waitFor, type Upstream } from '../admin/support/fixtures.js';
import { admin, AUTH, TOKEN } from '../admin/support/http.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'dist/main.js');
const CLIENTS = 8;

let child: ChildProcess;
let output = '';
let oldUp: Upstream;
let liveUp: Upstream;
let nextUp: Upstream;
let listenPort: number;
let base: string;

async function workerPids(): Promise<number[]> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(child.pid)]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

/** Client port -> pid of the process holding the server side of that connection to `port`. */
async function connectionOwners(port: number, pids: number[]): Promise<Map<number, number>> {
  const clientPortOf = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local address, remote address, state (01: established), ..., inode
      if (f.length < 10 || f[3] !== '01' || parseInt(f[1]!.split(':').pop()!, 16) !== port) continue;
      clientPortOf.set(f[9]!, parseInt(f[2]!.split(':').pop()!, 16));
    }
  }
  const owners = new Map<number, number>();
  for (const pid of pids) {
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      const inode = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''))?.[1];
      const clientPort = inode === undefined ? undefined : clientPortOf.get(inode);
      if (clientPort !== undefined) owners.set(clientPort, pid);
    }
  }
  return owners;
}

interface Outcome {
  client: number;
  /** The client port of the connection it went out on (undefined: it never got a socket). */
  port: number | undefined;
  status?: number;
  body?: string;
  error?: string;
}

/** One keep-alive connection per client, one request at a time, until stopped. */
function startLoad(): { outcomes: Outcome[]; stop: () => Promise<void>; perClient: number[] } {
  const outcomes: Outcome[] = [];
  const perClient = new Array<number>(CLIENTS).fill(0);
  let stopped = false;
  const loops = Array.from({ length: CLIENTS }, async (_, client) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (!stopped) {
      outcomes.push(
        await new Promise<Outcome>((resolve) => {
          let port: number | undefined;
          const req = http.get({ host: '127.0.0.1', port: listenPort, path: `/c${client}`, agent, headers: { host: 'example.test' } }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => resolve({ client, port, status: res.statusCode, body }));
            res.on('error', (err) => resolve({ client, port, error: err.message }));
          });
          req.on('socket', (s) => {
            if (s.localPort !== undefined) port = s.localPort;
            else s.once('connect', () => (port = s.localPort));
          });
          req.on('error', (err: NodeJS.ErrnoException) => resolve({ client, port, error: err.code ?? err.message }));
          req.setTimeout(20_000, () => req.destroy(new Error('timeout')));
        }),
      );
      perClient[client]!++;
    }
    agent.destroy();
  });
  return {
    outcomes,
    perClient,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

beforeAll(async () => {
  // The test runs what `npm run build` produces; type errors elsewhere in the tree do not stop tsc emitting.
  await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => undefined);
  expect(existsSync(join(ROOT, 'dist/modes/router.main.js')), 'dist/modes/router.main.js was not built').toBe(true);
  let adminPort: number;
  [oldUp, liveUp, nextUp, listenPort, adminPort] = await Promise.all([startUpstream('old'), startUpstream('live'), startUpstream('next'), freePort(), freePort()]);
  base = `http://127.0.0.1:${adminPort}`;
  child = spawn(process.execPath, [MAIN, 'router', '--workers', '2', '--admin-port', String(adminPort), '--admin-token', TOKEN, '--log-level', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ADMIN_TOKEN: '' },
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  await waitFor('admin API', async () => (await admin(base, 'GET', '/healthz')).status === 200, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${output}`);
  });
}, 300_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await Promise.all([oldUp?.close(), liveUp?.close(), nextUp?.close()]);
});

test('kill -9 of one worker under keep-alive load: only its connections fail, once each; the replacement serves the live config', async () => {
  // An older config first, so a worker serving anything but the live one would answer "old".
  expect((await admin(base, 'PUT', '/config', singleRouteConfig(listenPort, oldUp.port), AUTH)).status).toBe(200);
  const put = await admin(base, 'PUT', '/config', singleRouteConfig(listenPort, liveUp.port), AUTH);
  expect(put.status, put.text).toBe(200);
  const liveVersion: string = put.json.version;

  const load = startLoad();
  await waitFor('every client under way', async () => load.perClient.every((n) => n >= 5), 60_000);
  const before = await workerPids();
  expect(before).toHaveLength(2);
  const owners = await connectionOwners(listenPort, before);
  const victim = before.find((pid) => [...owners.values()].includes(pid))!;
  const victimPorts = new Set([...owners].filter(([, pid]) => pid === victim).map(([port]) => port));
  expect(victimPorts.size, 'the killed worker holds some of the clients').toBeGreaterThan(0);

  const killedAt = load.outcomes.length;
  process.kill(victim, 'SIGKILL');
  await waitFor('a replacement worker, ready', async () => {
    const now = await workerPids();
    return now.length === 2 && !now.includes(victim) && (await admin(base, 'GET', '/readyz')).json?.details?.config?.readyWorkers === 2;
  }, 60_000);
  const replacement = (await workerPids()).find((pid) => !before.includes(pid))!;
  const readyAt = load.perClient.slice();
  await waitFor('every client 5 more requests', async () => load.perClient.every((n, i) => n >= readyAt[i]! + 5), 60_000);
  await load.stop();

  const failed = load.outcomes.filter((o) => o.error !== undefined);
  const answered = load.outcomes.filter((o) => o.error === undefined);
  // Failures: only on connections the killed worker held, at most one per such connection.
  for (const f of failed) expect(victimPorts.has(f.port ?? -1), `failed request not on the killed worker: ${JSON.stringify(f)}`).toBe(true);
  expect(failed.length).toBeLessThanOrEqual(victimPorts.size);
  expect(new Set(failed.map((f) => f.port)).size).toBe(failed.length);
  // Every answer, before, during and after the replacement, is a 200 from the live config.
  expect(answered.filter((o) => o.status !== 200 || o.body !== 'live')).toEqual([]);
  expect((await admin(base, 'GET', '/config/version')).json.version).toBe(liveVersion);

  // New connections reach the replacement too, and it answers from the live config.
  const agents = Array.from({ length: 6 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const first = await Promise.all(agents.map((agent) => getVia(agent)));
  const onReplacement = [...(await connectionOwners(listenPort, [replacement])).keys()];
  const again = await Promise.all(agents.map((agent) => getVia(agent)));
  for (const a of agents) a.destroy();
  expect([...first, ...again].every((r) => r.status === 200 && r.body === 'live')).toBe(true);
  expect(onReplacement.length, 'the replacement takes connections').toBeGreaterThan(0);

  console.log(
    `worker crash: ${load.outcomes.length} requests on ${CLIENTS} keep-alive connections, ${failed.length} failed (${[...new Set(failed.map((f) => f.error))].join(', ') || 'none'}), ` +
      `${victimPorts.size} connection(s) on the killed worker; ${load.outcomes.length - killedAt} requests after the kill; replacement pid ${replacement} took ${onReplacement.length} of 6 new connections`,
  );
}, 180_000);

/** One request on `agent`; `port` is the client port of the connection it went out on. */
function getVia(agent: http.Agent): Promise<{ status: number; body: string; port: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: listenPort, path: '/new', agent, headers: { host: 'example.test' } }, (res) => {
      let body = '';
      const port = res.socket.localPort ?? 0;
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, port }));
    });
    req.on('error', reject);
  });
}

test('a worker that dies while a config is on its way to it neither fails the change nor rolls the other back', async () => {
  await waitFor('2 ready workers', async () => (await admin(base, 'GET', '/readyz')).json?.details?.config?.readyWorkers === 2, 60_000);
  // A keep-alive connection on each worker, told apart through /proc.
  const agents = Array.from({ length: 6 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const ports = (await Promise.all(agents.map((agent) => getVia(agent)))).map((r) => r.port);
  const pids = await workerPids();
  const owners = await connectionOwners(listenPort, pids);
  const onA = ports.findIndex((p) => owners.has(p));
  expect(onA, 'a connection on some worker').toBeGreaterThanOrEqual(0);
  const a = owners.get(ports[onA]!)!;
  const b = pids.find((pid) => pid !== a)!;

  // b cannot answer: the change reaches it and waits there, while a puts it live.
  process.kill(b, 'SIGSTOP');
  const put = admin(base, 'PUT', '/config', singleRouteConfig(listenPort, nextUp.port), AUTH);
  await waitFor('worker a serves the new config', async () => (await getVia(agents[onA]!)).body === 'next', 30_000);
  process.kill(b, 'SIGKILL');

  // b took its state with it: its replacement starts from the config that is live, so the change stands.
  const done = await put;
  expect(done.status, done.text).toBe(200);
  expect((await admin(base, 'GET', '/config/version')).json.version).toBe(done.json.version);
  expect(await getVia(agents[onA]!)).toMatchObject({ status: 200, body: 'next', port: ports[onA] });
  await waitFor('a replacement, ready', async () => (await admin(base, 'GET', '/readyz')).json?.details?.config?.readyWorkers === 2 && !(await workerPids()).includes(b), 60_000);
  const fresh = await Promise.all(Array.from({ length: 6 }, () => getVia(new http.Agent({ keepAlive: false }))));
  expect(fresh.every((r) => r.status === 200 && r.body === 'next')).toBe(true);
  for (const agent of agents) agent.destroy();
}, 120_000);
