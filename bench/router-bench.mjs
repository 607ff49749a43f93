#!/usr/bin/env node
// Router benchmark (npm run bench, after npm run build). Everything runs on 127.0.0.1 in one run so the
// ratios compare like with like on the same (shared, noisy) machine, every scenario up at once and
// measured in interleaved rounds:
//   direct to the upstream (nginx answering 200 itself), nginx as reverse proxy (1 worker, upstream
//   keepalive), a minimal http-proxy server (the library's ceiling), and serval router with 1 worker
//   and with all workers, each with 10 and with 10,000 routes (requesting a route in the middle).
// Then serval 1 worker and the minimal server side by side (both loaded at once), comparing CPU per
// request: on a shared machine whose speed changes from minute to minute, the steadier comparison.
// Env: BENCH_DURATION (s, default 10), BENCH_ROUNDS (5: interleaved runs per scenario; medians reported,
//      ratios taken within each round first),
//      BENCH_CONNECTIONS (64), BENCH_THREADS (2),
//      BENCH_CPU_PROF=1 (profile serval's 1-worker runs and print where the time goes),
//      BENCH_COMPARE_NODE=/usr/bin/node (adds the same build of serval, 1 worker, and the minimal server on
//      that node binary to the rounds, and serval side by side on both: a runtime upgrade is a performance change).
// Each 1-worker serval also runs side by side with a twin that lacks the nextTick shape guard
// (bench/without-tick-guard.mjs), the figure that decides whether src/process/tick-object-shape.ts stays.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import * as nodeModule from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const HOST = 'bench.test';
const COMPARE_NODE = process.env.BENCH_COMPARE_NODE || undefined;
const WITHOUT_TICK_GUARD = ['--import', join(dirname(fileURLToPath(import.meta.url)), 'without-tick-guard.mjs')];
const work = mkdtempSync(join(tmpdir(), 'serval-bench-'));
const children = new Set();

function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
}

function has(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function nginxBinary() {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (existsSync(p)) return p;
  return has('nginx') ? 'nginx' : undefined;
}

/** wrk and nginx come from Debian; apt-get update only when the first install attempt fails. */
function ensureTools() {
  const missing = [];
  if (!has('wrk')) missing.push('wrk');
  if (!nginxBinary()) missing.push('nginx-light');
  if (missing.length === 0) return;
  log(`installing ${missing.join(', ')} from Debian`);
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    install();
  }
}

async function freePort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

function start(cmd, args, options = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
  let stderr = '';
  child.stderr?.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  child.stderrText = () => stderr;
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stop(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** node:http rather than fetch: fetch may not set the Host header, and the router routes by host. */
function httpStatus(port, path, host) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(5_000, () => req.destroy());
  });
}

async function waitForHttp(port, path = '/', host = HOST, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  for (;;) {
    status = await httpStatus(port, path, host);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`no 200 on :${port}${path} (last status ${status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function nginxConf(name, server) {
  const dir = join(work, name);
  execFileSync('mkdir', ['-p', join(dir, 'logs'), join(dir, 'tmp')]);
  // One process serving (no master): equivalent to 1 worker, and it cannot outlive us as an orphan.
  const conf = `master_process off;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
  keepalive_requests 1000000;
${server}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  return { dir, file: join(dir, 'nginx.conf') };
}

async function startNginx(name, server, port) {
  const { dir, file } = nginxConf(name, server);
  const child = start(nginxBinary(), ['-p', dir, '-c', file]);
  await waitForHttp(port, '/', 'x');
  return child;
}

function parseWrk(out) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const toMs = (v, unit) => Number(v) * { us: 0.001, ms: 1, s: 1000 }[unit];
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const socketErrors = /Socket errors: (.*)/.exec(out)?.[1];
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  return { rps, p50: pct(50), p99: pct(99), non2xx: Number(errors), socketErrors, requests };
}

function wrkArgs(port, path, { seconds = DURATION, threads = THREADS, connections = CONNECTIONS } = {}) {
  return [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '-H', `Host: ${HOST}`, `http://127.0.0.1:${port}${path}`];
}

function wrk(port, path, seconds = DURATION) {
  return parseWrk(execFileSync('wrk', wrkArgs(port, path, { seconds }), { encoding: 'utf8' }));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function wrkAsync(port, path, threads, connections) {
  return new Promise((resolve, reject) =>
    execFile('wrk', wrkArgs(port, path, { threads, connections }), { encoding: 'utf8' }, (err, out) => (err ? reject(err) : resolve(parseWrk(out)))),
  );
}

/**
 * Both servers loaded at once (half the connections each), CPU per request from /proc. Run one after
 * the other, req/s ratios move with whatever else the shared machine does that minute; side by side,
 * both see the same minute, and CPU per request does not depend on how the two share the cores.
 */
async function cpuPerRequestRatio(a, b) {
  const ratios = [];
  for (let round = 0; round < ROUNDS; round++) {
    const before = [cpuSeconds(a.pid), cpuSeconds(b.pid)];
    const [ra, rb] = await Promise.all([wrkAsync(a.port, a.path, 1, CONNECTIONS / 2), wrkAsync(b.port, b.path, 1, CONNECTIONS / 2)]);
    const perA = (cpuSeconds(a.pid) - before[0]) / ra.requests;
    const perB = (cpuSeconds(b.pid) - before[1]) / rb.requests;
    log(`side by side (round ${round + 1}/${ROUNDS}): ${a.label} ${(perA * 1e6).toFixed(1)} us CPU/request, ${b.label} ${(perB * 1e6).toFixed(1)} us`);
    ratios.push(perB / perA);
  }
  return median(ratios);
}

/** A short warm-up (JIT, connection pools) before a scenario's first run, then the measured run. */
function measure(label, port, path, warmUp = true) {
  if (warmUp) wrk(port, path, 2);
  const r = wrk(port, path);
  log(`${label}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.non2xx ? `, NON-2xx ${r.non2xx}` : ''}${r.socketErrors ? `, socket errors ${r.socketErrors}` : ''}`);
  return { label, ...r };
}

/** n routes on one host, PathPrefix /svc-<i>/, all to the upstream pool. */
function routerConfig(listenPort, upstreamPort, n) {
  const routes = Array.from({ length: n }, (_, i) => ({
    name: `route-${i}`,
    match: { path: { type: 'PathPrefix', value: `/svc-${i}/` } },
    backends: [{ pool: 'upstream', weight: 1 }],
  }));
  return {
    listeners: [{ name: 'bench', address: '127.0.0.1', port: listenPort, protocol: 'HTTP', virtualHosts: [{ name: 'bench', hostnames: [HOST], routes }] }],
    pools: [{ name: 'upstream', endpoints: [{ host: '127.0.0.1', port: upstreamPort }] }],
  };
}

function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

function processTree(pid) {
  let kids = [];
  try {
    kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((s) => Number(s.trim())).filter(Boolean);
  } catch {}
  return [pid, ...kids.flatMap(processTree)];
}

/** node: the binary to run serval on (default: the bench's own); nodeArgs go before the script. */
async function startServal(workers, upstreamPort, profDir, { node = process.execPath, nodeArgs = [] } = {}) {
  const adminPort = await freePort();
  const listenPort = await freePort();
  if (profDir) nodeArgs = [...nodeArgs, '--cpu-prof', '--cpu-prof-dir', profDir];
  const child = start(node, [...nodeArgs, join(ROOT, 'dist/main.js'), 'router', '--workers', String(workers), '--admin-port', String(adminPort), '--log-level', 'warn', '--drain-timeout', '2000']);
  const admin = `http://127.0.0.1:${adminPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${admin}/healthz`)).status === 200) break;
    } catch {}
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serval router did not start:\n${child.stderrText()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const push = async (n) => {
    const res = await fetch(`${admin}/routes/update`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(routerConfig(listenPort, upstreamPort, n)) });
    if (res.status !== 200) throw new Error(`config push failed: ${res.status} ${await res.text()}`);
  };
  return { child, listenPort, push };
}

/** Self time by function in the busiest profile (the traffic worker), idle excluded. */
function summarizeProfiles(dir) {
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => {
      const prof = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      const byId = new Map(prof.nodes.map((n) => [n.id, n]));
      const self = new Map();
      let busy = 0;
      prof.samples.forEach((id, i) => {
        const { functionName, url, lineNumber } = byId.get(id).callFrame;
        if (functionName === '(idle)') return;
        const where = url ? url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/') : '';
        const key = `${functionName || '(anonymous)'} ${where}${where ? `:${lineNumber + 1}` : ''}`;
        const dt = prof.timeDeltas[i] ?? 0;
        self.set(key, (self.get(key) ?? 0) + dt);
        busy += dt;
      });
      return { f, self, busy };
    })
    .sort((a, b) => b.busy - a.busy);
  const top = profiles[0];
  if (!top) return 'no CPU profile written';
  const rows = [...top.self].sort((a, b) => b[1] - a[1]).slice(0, 30);
  return [
    `CPU profile of the busiest serval process (${top.f}), self time, ${(top.busy / 1e6).toFixed(1)} s busy:`,
    ...rows.map(([k, us]) => `  ${((100 * us) / top.busy).toFixed(1).padStart(5)}%  ${k}`),
  ].join('\n');
}

async function main() {
  if (!existsSync(join(ROOT, 'dist/main.js'))) throw new Error('dist/main.js missing: run npm run build first (npm run bench does)');
  ensureTools();
  const all = availableParallelism();
  const compareVersion = COMPARE_NODE ? execFileSync(COMPARE_NODE, ['--version'], { encoding: 'utf8' }).trim() : undefined;
  log(`node ${process.version} (serval, minimal server, this bench)${compareVersion ? `; compared with ${compareVersion} (${COMPARE_NODE})` : ''}`);
  log(`machine: ${all} CPUs; wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s; shared machine: figures are noisy, ratios within one run are what counts`);

  const upstreamPort = await freePort();
  const nginxProxyPort = await freePort();
  const minimalPort = await freePort();
  const upstream = await startNginx('upstream', `  server { listen 127.0.0.1:${upstreamPort}; keepalive_timeout 300s; location / { default_type text/plain; return 200 "hello from upstream\\n"; } }`, upstreamPort);
  const nginxProxy = await startNginx(
    'proxy',
    `  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 256; }
  server { listen 127.0.0.1:${nginxProxyPort}; keepalive_timeout 300s; location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; } }`,
    nginxProxyPort,
  );
  // Every scenario stays up and the runs are interleaved round by round; each figure is the median
  // over BENCH_ROUNDS, so a noisy minute on a shared machine does not land on one scenario only.
  // Ratios are taken within a round (serval's run over the baseline's run of the same round), then
  // the median: the minimal server runs between the two 1-worker scenarios, minutes apart at most.
  const minimal = start(process.execPath, [join(ROOT, 'bench/minimal-proxy.mjs'), String(minimalPort), String(upstreamPort)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  await waitForHttp(minimalPort);
  const profDir = CPU_PROF ? mkdtempSync(join(work, 'prof-')) : undefined;
  const scenarios = [
    { label: 'direct to upstream (nginx return 200)', port: upstreamPort, path: '/svc-5/x' },
    { label: 'nginx reverse proxy (1 worker, keepalive)', port: nginxProxyPort, path: '/svc-5/x' },
  ];
  const minimalScenario = { label: 'minimal http-proxy (no routing)', port: minimalPort, path: '/svc-5/x' };
  const servals = [];
  for (const workers of [1, all]) {
    for (const routes of [10, 10_000]) {
      const serval = await startServal(workers, upstreamPort, workers === 1 ? profDir : undefined);
      await serval.push(routes);
      const path = `/svc-${routes / 2}/x`;
      await waitForHttp(serval.listenPort, path);
      servals.push({ serval, workers, routes });
      scenarios.push({ label: `serval ${workers} worker${workers > 1 ? 's' : ''}, ${routes === 10 ? '10' : '10,000'} routes`, port: serval.listenPort, path });
      if (workers === 1 && routes === 10) scenarios.push(minimalScenario);
    }
  }
  // The same build on another node: serval 1 worker (both route counts) and the minimal server, in the rounds.
  const onCompare = [];
  let minimalCompare;
  if (COMPARE_NODE) {
    const port = await freePort();
    minimalCompare = start(COMPARE_NODE, [join(ROOT, 'bench/minimal-proxy.mjs'), String(port), String(upstreamPort)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    await waitForHttp(port);
    scenarios.push({ label: `minimal http-proxy (no routing), ${compareVersion}`, port, path: '/svc-5/x' });
    for (const routes of [10, 10_000]) {
      const serval = await startServal(1, upstreamPort, undefined, { node: COMPARE_NODE });
      await serval.push(routes);
      const path = `/svc-${routes / 2}/x`;
      await waitForHttp(serval.listenPort, path);
      const label = `serval 1 worker, ${routes === 10 ? '10' : '10,000'} routes, ${compareVersion}`;
      onCompare.push({ serval, routes, label });
      scenarios.push({ label, port: serval.listenPort, path });
    }
  }
  // Twins of the 1-worker servals without the nextTick shape guard, started and pushed the same way.
  const withoutGuard = [];
  if (typeof nodeModule.registerHooks === 'function') {
    for (const routes of [10, 10_000]) {
      const serval = await startServal(1, upstreamPort, undefined, { nodeArgs: WITHOUT_TICK_GUARD });
      await serval.push(routes);
      await waitForHttp(serval.listenPort, `/svc-${routes / 2}/x`);
      withoutGuard.push({ serval, routes });
    }
  } else log(`no module.registerHooks on ${process.version}: the nextTick shape guard is not compared`);
  const runs = new Map(scenarios.map((s) => [s.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of scenarios) runs.get(s.label).push(measure(`${s.label} (round ${round + 1}/${ROUNDS})`, s.port, s.path, round === 0));
  }
  const sideBySide = [];
  for (const { serval, workers, routes } of servals) {
    if (workers !== 1) continue;
    const label = `serval 1 worker, ${routes === 10 ? '10' : '10,000'} routes`;
    const ratio = await cpuPerRequestRatio(
      { label: 'minimal', pid: minimal.pid, port: minimalPort, path: '/svc-5/x' },
      { label, pid: serval.child.pid, port: serval.listenPort, path: `/svc-${routes / 2}/x` },
    );
    sideBySide.push({ label, ratio });
  }
  const pairOf = (routes) => servals.find((s) => s.workers === 1 && s.routes === routes).serval;
  const routesLabel = (routes) => (routes === 10 ? '10' : '10,000');
  const guardSideBySide = [];
  for (const { serval, routes } of withoutGuard) {
    const path = `/svc-${routes / 2}/x`;
    const ratio = await cpuPerRequestRatio(
      { label: `with guard, ${routesLabel(routes)} routes`, pid: pairOf(routes).child.pid, port: pairOf(routes).listenPort, path },
      { label: 'without', pid: serval.child.pid, port: serval.listenPort, path },
    );
    guardSideBySide.push({ routes, ratio });
  }
  const nodeSideBySide = [];
  for (const { serval, routes } of onCompare) {
    const path = `/svc-${routes / 2}/x`;
    const ratio = await cpuPerRequestRatio(
      { label: `${process.version}, ${routesLabel(routes)} routes`, pid: pairOf(routes).child.pid, port: pairOf(routes).listenPort, path },
      { label: compareVersion, pid: serval.child.pid, port: serval.listenPort, path },
    );
    nodeSideBySide.push({ routes, ratio });
  }
  // Baselines first in the table, whatever order the rounds ran in.
  const shown = [...scenarios.filter((s) => !s.label.startsWith('serval')), ...scenarios.filter((s) => s.label.startsWith('serval'))];
  const results = shown.map(({ label }) => {
    const rs = runs.get(label);
    return { label, rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), non2xx: rs.reduce((n, r) => n + r.non2xx, 0), socketErrors: rs.find((r) => r.socketErrors)?.socketErrors };
  });

  let rss;
  for (const { serval, workers, routes } of servals) {
    if (routes === 10_000) {
      const tree = processTree(serval.child.pid);
      rss = { ...rss, [workers]: { bytes: tree.reduce((sum, pid) => sum + rssBytes(pid), 0), processes: tree.length } };
    }
  }
  const rssCompare = onCompare.find((s) => s.routes === 10_000)?.serval.child.pid;
  const rssCompareBytes = rssCompare ? rssBytes(rssCompare) : undefined;
  const extra = [...onCompare, ...withoutGuard].map((s) => s.serval.child);
  await Promise.all([minimal, nginxProxy, ...(minimalCompare ? [minimalCompare] : []), ...extra, ...servals.map((s) => s.serval.child)].map((c) => stop(c)));
  await stop(upstream);
  const profile = profDir ? summarizeProfiles(profDir) : undefined;

  const MINIMAL = minimalScenario.label;
  const NGINX = 'nginx reverse proxy (1 worker, keepalive)';
  /** Median over rounds of label's figure over base's figure in the same round. */
  const paired = (label, base, field) => median(runs.get(label).map((r, i) => r[field] / runs.get(base)[i][field]));
  const fmt = (ratio) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a');
  const rows = results.map((r) => {
    const serval = r.label.startsWith('serval');
    return [r.label, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), serval ? fmt(paired(r.label, MINIMAL, 'rps')) : '', serval ? fmt(paired(r.label, NGINX, 'rps')) : '', serval ? fmt(paired(r.label, MINIMAL, 'p99')) : ''];
  });
  const head = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'rps/minimal', 'rps/nginx', 'p99/minimal'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''];
  for (const [w, r] of Object.entries(rss)) out.push(`serval RSS with 10,000 routes, ${w} worker(s): ${(r.bytes / 1024 / 1024).toFixed(1)} MB over ${r.processes} processes (primary + workers)`);
  if (rssCompareBytes) out.push(`serval RSS with 10,000 routes, 1 worker, ${compareVersion}: ${(rssCompareBytes / 1024 / 1024).toFixed(1)} MB`);
  out.push('', 'side by side with the minimal http-proxy server (both loaded at once; CPU per request, median of rounds):');
  for (const { label, ratio } of sideBySide) out.push(`  ${label}: ${ratio.toFixed(2)}x its CPU per request (as req/s on a saturated core: ${(1 / ratio).toFixed(2)}x)`);

  if (guardSideBySide.length) {
    out.push('', `serval without the nextTick shape guard, side by side with serval (${process.version}; CPU per request, median of rounds):`);
    for (const { routes, ratio } of guardSideBySide) out.push(`  1 worker, ${routesLabel(routes)} routes: ${ratio.toFixed(2)}x the CPU per request of serval with it`);
  }
  if (COMPARE_NODE) {
    out.push('', `the same build on ${process.version} and on ${compareVersion} (req/s: median over rounds of the ratio within each round):`);
    const minimalCompareLabel = `minimal http-proxy (no routing), ${compareVersion}`;
    out.push(`  minimal http-proxy: ${process.version} ${fmt(paired(MINIMAL, minimalCompareLabel, 'rps'))} the req/s of ${compareVersion}`);
    for (const { routes, label } of onCompare) {
      const mine = `serval 1 worker, ${routesLabel(routes)} routes`;
      const cpu = nodeSideBySide.find((n) => n.routes === routes).ratio;
      out.push(`  ${mine}: ${process.version} ${fmt(paired(mine, label, 'rps'))} the req/s of ${compareVersion}, p99 ${fmt(paired(mine, label, 'p99'))}; side by side, ${compareVersion} uses ${cpu.toFixed(2)}x the CPU per request`);
    }
  }

  const S10 = 'serval 1 worker, 10 routes';
  const S10K = 'serval 1 worker, 10,000 routes';
  const rps10 = paired(S10, MINIMAL, 'rps');
  const rps10k = paired(S10K, MINIMAL, 'rps');
  const p99s = [paired(S10, MINIMAL, 'p99'), paired(S10K, MINIMAL, 'p99')];
  const check = (ok, text) => out.push(`${ok ? 'PASS' : 'MISS'}  ${text}`);
  out.push('', 'targets (ratios within each round, median over rounds):');
  check(rps10 >= 0.9, `serval 1 worker, 10 routes >= 0.9x minimal http-proxy (${fmt(rps10)})`);
  check(rps10k >= 0.85, `serval 1 worker, 10,000 routes >= 0.85x minimal http-proxy (${fmt(rps10k)})`);
  check(p99s.every((r) => r <= 1.2), `p99 <= 1.2x minimal's (${p99s.map(fmt).join(', ')})`);
  check(rss[1].bytes < 150 * 1024 * 1024, `RSS with 10,000 routes < 150 MB (1 worker: ${(rss[1].bytes / 1048576).toFixed(1)} MB)`);
  const failed = results.filter((r) => r.non2xx > 0 || r.socketErrors);
  if (failed.length) out.push('', `WARNING: errors during ${failed.map((r) => r.label).join(', ')}`);
  if (profile) out.push('', profile);
  process.stdout.write(`\n${out.join('\n')}\n`);
}

async function cleanup() {
  await Promise.all([...children].map((c) => stop(c)));
  rmSync(work, { recursive: true, force: true });
}

main()
  .then(cleanup)
  .catch(async (err) => {
    process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
    await cleanup();
    process.exit(1);
  });
