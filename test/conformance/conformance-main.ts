// `npm run conformance` (scripts/conformance.sh compiles and runs this):
// test cluster + test kubelet, serval controller (ServiceAccount token) and
// router, then the official Gateway API conformance suite, GATEWAY-HTTP
// profile, against GatewayClass `serval`. Writes conformance/report.yaml,
// logs to conformance/logs/, prints a summary and fails when a test outside
// conformance/skip-tests.txt fails. Stops everything it started, also on failure.
//
//   --run-test <ShortName>   run one test (report to conformance/logs/, features passed explicitly)
//   CONFORMANCE_RUN_SKIPPED=1  do not skip the tests of the skip file (to see which pass now)
//   CONFORMANCE_EXTRA_FEATURES=A,B  with --run-test: try features not claimed yet
//   CONFORMANCE_PARALLEL=<n>   go test -test.parallel (default 4)
//   SERVAL_K8S_KEEP=1          keep the cluster's temp dir (component logs)
import { existsSync, mkdirSync, openSync, readFileSync, readSync, closeSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../k8s/harness/cluster.js';
import { binaryPath, repoRoot } from '../k8s/harness/paths.js';
import { startProcess, type ManagedProcess } from '../k8s/harness/processes.js';
import { startPodLogServer, type PodLogServer } from './pod-logs.js';
import { judge, parseGoTestOutput, parseReport, parseSkipFile, summaryLines, totalsLine } from './report.js';
import { claimedFeatures, GATEWAY_CLASS, loopbackPool, startServalStack, type ServalStack } from './serval-stack.js';

const args = process.argv.slice(2);
const runTest = args.includes('--run-test') ? args[args.indexOf('--run-test') + 1] : undefined;
const runSkipped = process.env.CONFORMANCE_RUN_SKIPPED === '1';
const parallel = process.env.CONFORMANCE_PARALLEL || '4';

const confDir = join(repoRoot, 'conformance');
const logDir = join(confDir, 'logs');
const reportPath = runTest ? join(logDir, `report-${runTest}.yaml`) : join(confDir, 'report.yaml');
const goLog = join(logDir, runTest ? `go-test-${runTest}.log` : 'go-test.log');
// Gateways get 127.0.10.1-39; .40 is kept free for GatewayStaticAddresses
// (a usable static address must be in the pool), 127.0.11.1 is outside it.
const pool = loopbackPool(10, 1, 40);
const USABLE_ADDRESS = '127.0.10.40';
const UNUSABLE_ADDRESS = '127.0.11.1';

// Started by scripts/conformance.sh before the build, so times include it.
const t0 = Number(process.env.CONFORMANCE_STARTED_AT) || Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
const say = (msg: string) => console.log(`[conformance ${elapsed()}] ${msg}`);

let cluster: Cluster | undefined;
let stack: ServalStack | undefined;
let podLogs: PodLogServer | undefined;
let suite: ManagedProcess | undefined;
let stopping: Promise<void> | undefined;

function stopAll(): Promise<void> {
  return (stopping ??= (async () => {
    await suite?.stop(2000).catch(() => {});
    await stack?.stop().catch((err) => console.error(`stopping serval: ${(err as Error).message}`));
    await podLogs?.stop().catch(() => {});
    await cluster?.stop().catch((err) => console.error(`stopping the cluster: ${(err as Error).message}`));
  })());
}

// process.on, not once: a listener of ours tells the harness (processes.ts)
// not to SIGKILL everything at once, so the clean shutdown below can run.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    say(`${signal}: stopping everything`);
    void stopAll().then(() => process.exit(130));
  });
}

/** Prints each finished conformance test (`--- PASS: TestConformance/X`) as it appears in the log. */
function followProgress(file: string): () => void {
  let offset = 0;
  let partial = '';
  const poll = () => {
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size <= offset) return;
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    offset = size;
    const lines = (partial + buf.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^ {4}--- (PASS|FAIL|SKIP): TestConformance\/(\S+) \(([\d.]+s)\)/.exec(line);
      if (m && m[1] !== 'SKIP') say(`${m[1]} ${m[2]} (${m[3]})`);
    }
  };
  const timer = setInterval(poll, 2000);
  return () => {
    clearInterval(timer);
    poll();
  };
}

async function main(): Promise<number> {
  mkdirSync(logDir, { recursive: true });
  for (const f of [goLog, join(logDir, 'router.log'), join(logDir, 'controller.log')]) rmSync(f, { force: true });
  const skip = parseSkipFile(readFileSync(join(confDir, 'skip-tests.txt'), 'utf8'));
  const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;

  say('starting the test cluster (etcd, kube-apiserver, kube-controller-manager, CRDs, test kubelet)');
  cluster = await startCluster();
  // The suite reads echo-basic's log (pods/log) to see mirrored requests.
  podLogs = await startPodLogServer(cluster);
  say(`cluster ${cluster.versions.kubernetes} at ${cluster.server}, Gateway API ${cluster.versions.gatewayApi} (${cluster.crdChannel}); logs in ${cluster.dir}`);

  say('starting serval router and controller (ServiceAccount serval-system/serval-gateway)');
  stack = await startServalStack(cluster, { logDir, gatewayAddresses: pool.filter((a) => a !== USABLE_ADDRESS).concat(USABLE_ADDRESS) });
  const features = await claimedFeatures(cluster.kubeConfig);
  say(`GatewayClass ${GATEWAY_CLASS} Accepted; claims ${features.length} features: ${features.join(', ')}`);

  const suiteArgs = [
    '-test.v',
    // Only the suite: the package's other tests read files from its source dir.
    '-test.run=^TestConformance$',
    '-test.timeout=80m',
    `-test.parallel=${parallel}`,
    `-kubeconfig=${cluster.kubeconfigPath}`,
    `-gateway-class=${GATEWAY_CLASS}`,
    '-conformance-profiles=GATEWAY-HTTP',
    `-report-output=${reportPath}`,
    '-organization=serval-gateway',
    '-project=serval-gateway',
    '-url=https://github.com/serval-gateway/serval-gateway',
    `-version=v${version}`,
    '-contact=@serval-gateway/maintainers',
    '-mode=default',
    `-usable-address=${USABLE_ADDRESS}`,
    `-unusable-address=${UNUSABLE_ADDRESS}`,
  ];
  // A full run lets the suite read GatewayClass status.supportedFeatures (the
  // report says "Inferred"); a single test turns inference off, so pass them.
  const extra = (process.env.CONFORMANCE_EXTRA_FEATURES ?? '').split(',').filter(Boolean);
  if (runTest) suiteArgs.push(`-run-test=${runTest}`, `-supported-features=${[...features, ...extra].join(',')}`);
  if (!runSkipped && skip.length) suiteArgs.push(`-skip-tests=${skip.map((s) => s.test).join(',')}`);

  rmSync(reportPath, { force: true });
  say(`running ${runTest ?? 'the GATEWAY-HTTP profile'} (go test -v output: ${goLog})`);
  suite = startProcess({ name: 'conformance', command: binaryPath('gateway-api-conformance.test'), args: suiteArgs, logFile: goLog, cwd: logDir });
  const stopFollowing = followProgress(goLog);
  const exitCode = await suite.exited;
  stopFollowing();
  say(`suite exited with ${exitCode}`);

  const goTest = parseGoTestOutput(readFileSync(goLog, 'utf8'));
  const profiles = existsSync(reportPath) ? parseReport(readFileSync(reportPath, 'utf8')) : [];
  const verdict = judge(profiles, goTest, runSkipped ? [] : skip);
  const reasons = new Map(skip.map((s) => [s.test, s.reason]));

  console.log('');
  console.log(`report: ${reportPath}`);
  for (const p of profiles) {
    for (const t of p.core.failedTests) console.log(`  core FAILED: ${t}${reasons.has(t) ? ` (skip-listed: ${reasons.get(t)})` : ''}`);
    for (const t of p.extended.failedTests) console.log(`  extended FAILED: ${t}${reasons.has(t) ? ` (skip-listed: ${reasons.get(t)})` : ''}`);
    // Only the skip file's tests: the rest are skipped for an unclaimed feature (or by --run-test).
    for (const t of [...p.core.skippedTests, ...p.extended.skippedTests].filter((t) => reasons.has(t))) console.log(`  skipped: ${t} (${reasons.get(t)})`);
    if (p.extended.unsupportedFeatures.length) console.log(`  extended features not claimed: ${p.extended.unsupportedFeatures.join(', ')}`);
  }
  for (const problem of verdict.problems) console.log(`PROBLEM: ${problem}`);
  if (!verdict.ok) {
    console.log(`logs: ${goLog}, ${join(logDir, 'router.log')}, ${join(logDir, 'controller.log')}`);
  }
  for (const line of summaryLines(profiles)) console.log(line);
  console.log(`conformance ${verdict.ok ? 'PASSED' : 'FAILED'} in ${elapsed()}`);
  console.log(totalsLine(profiles));
  return verdict.ok ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`conformance run failed: ${(err as Error).stack ?? err}`);
  if (cluster) console.error(cluster.logTails(20));
  if (stack) console.error(`----- router -----\n${stack.router.tail(20)}\n----- controller -----\n${stack.controller.tail(20)}`);
} finally {
  await stopAll();
}
process.exit(code);
