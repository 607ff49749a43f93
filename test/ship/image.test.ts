/**
 * The container image without a Docker engine: the Dockerfile is parsed, its final stage laid out on
 * disk from a fresh build (test/ship/support/image-root.ts), and its ENTRYPOINT + CMD run exactly,
 * through the `serval` symlink, in a network namespace of its own as the image's user, with the
 * image's environment. The HEALTHCHECK command decides healthy as Docker would. The router
 * DaemonSet's command line from deploy/ runs the same way, probed on the manifest's probe paths.
 */
import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copies, envOf, execForm, healthcheck, last, only, parseDockerfile } from './support/dockerfile.js';
import { containerSkipReason, startContainer, type Container } from './support/container.js';
import { assembleImageRoot, FINAL_RUN, type ImageRoot } from './support/image-root.js';

const run = promisify(execFile);
const REPO = new URL('../../', import.meta.url).pathname;
const stages = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const final = stages.at(-1)!;
const build = stages[0];
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? jsFiles(p) : p.endsWith('.js') ? [p] : [];
  });
}

/** Package names a module imports (bare specifiers; builtins and relative paths left out). */
function importedPackages(source: string): string[] {
  const specs = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]);
  return specs
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:') && !builtinModules.includes(s.split('/')[0]))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]));
}

describe('Dockerfile', () => {
  test('builds in one stage and ships a slim one on the same Node', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.name).toBeDefined();
    expect(final.from).toBe(build.from);
    expect(final.from).toMatch(/^node:\d+-/);
    expect(Number(/^node:(\d+)/.exec(final.from)![1])).toBeGreaterThanOrEqual(Number(/(\d+)/.exec((pkg as { engines?: { node?: string } }).engines?.node ?? '20')![1]));
    const buildRuns = only(build, 'RUN').map((r) => r.args).join(' && ');
    expect(buildRuns).toMatch(/\bnpm ci\b/);
    expect(buildRuns).toMatch(/\bnpm run build\b/);
    expect(buildRuns).toMatch(/npm prune --omit=dev|npm ci[^&]*--omit=dev/); // production dependencies only
  });

  test('runs serval as an unprivileged user, exec form, with a HEALTHCHECK', () => {
    const user = last(final, 'USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user!.split(':')[0]);
    expect(execForm(last(final, 'ENTRYPOINT')!.args)).toEqual(['serval']);
    expect(execForm(last(final, 'CMD')!.args)[0]).toMatch(/^(standalone|router|controller)$/);
    expect(only(final, 'RUN').map((r) => r.args)).toEqual([FINAL_RUN]);
    const hc = healthcheck(final)!;
    expect(hc.command).toEqual(['node', 'dist/healthcheck.js']);
    expect(Object.keys(hc.options).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
    expect(envOf(final)).toEqual({ NODE_ENV: 'production' });
  });

  test('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
    const fromContext = stages.flatMap((s) => copies(s)).filter((c) => !c.from).flatMap((c) => c.sources);
    for (const source of fromContext) {
      expect(statSync(join(REPO, source), { throwIfNoEntry: false }), `COPY ${source}`).toBeDefined();
      expect(ignored, `COPY ${source} is excluded by .dockerignore`).not.toContain(source);
    }
  });
});

const skipReason = containerSkipReason();
if (skipReason) console.warn(`[ship] image run tests SKIPPED: ${skipReason}`);

describe('what the image runs', () => {
  let dir: string;
  let image: ImageRoot;
  let env: Record<string, string>;
  const started: Container[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serval-image-'));
    chmodSync(dir, 0o755); // the image user must get in
    // A build of its own: never a half-written dist/ another test is producing.
    const builtDist = join(dir, 'build/dist');
    await run('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', builtDist], { cwd: REPO }).catch(() => undefined); // type errors elsewhere do not stop emit
    expect(statSync(join(builtDist, 'main.js'), { throwIfNoEntry: false }), 'tsc emitted no dist/main.js').toBeDefined();
    image = assembleImageRoot({ repo: REPO, final, buildStage: build.name!, builtDist, into: join(dir, 'image') });
    // The image's environment: its ENV lines and a PATH with the serval symlink and node.
    env = { ...envOf(final), PATH: `${image.bin}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: '/tmp' };
  }, 300_000);

  afterAll(async () => {
    for (const c of started) c.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('dist/ imports production dependencies only', () => {
    const prod = new Set(Object.keys(pkg.dependencies));
    const offenders = new Set<string>();
    for (const file of jsFiles(join(image.app, 'dist'))) {
      for (const name of importedPackages(readFileSync(file, 'utf8'))) if (!prod.has(name)) offenders.add(`${name} (${file.slice(image.app.length + 1)})`);
    }
    expect([...offenders]).toEqual([]);
  });

  test('the serval entrypoint is an executable node script', () => {
    expect(readFileSync(join(image.bin, 'serval'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(statSync(join(image.bin, 'serval')).mode & 0o111).not.toBe(0);
  });

  function start(argv: string[], extraEnv: Record<string, string> = {}): Container {
    const c = startContainer(argv, { cwd: image.app, env: { ...env, ...extraEnv } });
    started.push(c);
    return c;
  }

  async function healthy(c: Container): Promise<number | null> {
    const hc = healthcheck(final)!.command;
    return (await c.exec(hc)).code;
  }

  async function until<T>(what: string, c: Container, probe: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void c.exited.then(() => (exited = true));
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v !== undefined && v !== false) return v;
      if (exited) throw new Error(`container exited while waiting for ${what}:\n${c.output()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${c.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  test.skipIf(skipReason)('the default command serves the demo on :8080, healthy until SIGTERM stops it', async () => {
    const argv = [...execForm(last(final, 'ENTRYPOINT')!.args), ...execForm(last(final, 'CMD')!.args)];
    const c = start(argv);
    await until('HEALTHCHECK to pass', c, async () => (await healthy(c)) === 0);
    const res = await until('GET :8080/ to answer 200', c, async () => {
      const r = await c.get('http://127.0.0.1:8080/');
      return r.status === 200 ? r : undefined;
    });
    expect(JSON.parse(res.body)).toMatchObject({ backend: 'demo-a', path: '/' });
    // Logs are JSON lines (nestjs-pino) on stdout.
    const logLines = c.output().split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    expect(JSON.parse(logLines[0])).toHaveProperty('level');

    c.kill('SIGTERM');
    expect(await c.exited).toEqual({ code: 0, signal: null });
    // Same network, nothing listening: the HEALTHCHECK itself says unhealthy.
    const after = await c.exec(healthcheck(final)!.command);
    expect(after).toMatchObject({ code: 1, stderr: '' });
  }, 240_000);

  test.skipIf(skipReason)('the router DaemonSet of deploy/ runs from the image and answers its probes', async () => {
    const docs = parseAllDocuments(readFileSync(join(REPO, 'deploy/serval-gateway.yaml'), 'utf8')).map((d) => d.toJS());
    const ds = docs.find((d) => d?.kind === 'DaemonSet' && d.metadata.name === 'serval-router');
    const container = ds.spec.template.spec.containers[0];
    expect(container.command).toBeUndefined(); // the image ENTRYPOINT runs
    const token = 'ship-test-admin-token-0123456789';
    const podEnv: Record<string, string> = {};
    for (const e of container.env ?? []) podEnv[e.name] = e.value ?? (e.valueFrom?.secretKeyRef ? token : '');
    const argv = [...execForm(last(final, 'ENTRYPOINT')!.args), ...container.args];
    // ACCESS_LOG on through the environment, so the command line stays the manifest's.
    const c = start(argv, { ...podEnv, ACCESS_LOG: 'true' });

    const port = (probe: { httpGet: { port: string | number } }) =>
      typeof probe.httpGet.port === 'number' ? probe.httpGet.port : container.ports.find((p: { name: string }) => p.name === probe.httpGet.port).containerPort;
    const liveness = `http://127.0.0.1:${port(container.livenessProbe)}${container.livenessProbe.httpGet.path}`;
    const readiness = `http://127.0.0.1:${port(container.readinessProbe)}${container.readinessProbe.httpGet.path}`;

    await until('the liveness probe', c, async () => (await c.get(liveness)).status === 200);
    expect(await healthy(c)).toBe(0);
    expect((await c.get(readiness)).status).toBe(503); // no config yet: kept out of the Service

    const listenPort = container.ports.find((p: { name: string }) => p.name === 'http-8080').containerPort;
    // The original design's simple format; its pool points at a closed port.
    const config = { routes: [], pools: [{ name: 'p', upstreams: [{ host: '127.0.0.1', port: 9 }] }], default_pool: 'p' };
    const denied = await c.request('PUT', `http://127.0.0.1:${port(container.livenessProbe)}/config`, config);
    expect(denied.status).toBe(401); // the Secret's token guards changes
    const pushed = await c.request('PUT', `http://127.0.0.1:${port(container.livenessProbe)}/config`, config, { authorization: `Bearer ${token}` });
    expect(pushed.status, pushed.body).toBe(200);
    await until('the readiness probe', c, async () => (await c.get(readiness)).status === 200);
    expect((await c.get(`http://127.0.0.1:${listenPort}/hello`)).status).toBeGreaterThanOrEqual(500); // the pool points nowhere: a gateway error, but served
    const access = await until('an access log line', c, async () =>
      c.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.log === 'access'),
    );
    expect(access).toMatchObject({ level: 30, route: 'default' });

    c.kill('SIGTERM');
    expect(await c.exited).toEqual({ code: 0, signal: null });
  }, 240_000);

  test.skipIf(skipReason)('`controller` with DATA_PLANE_URL and a mounted KUBECONFIG is all it takes outside a cluster', async () => {
    // An API server that is not there: the controller must still start, report healthy, and wait.
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}}]',
      'users: [{name: u, user: {token: not-a-real-token}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'));
    chmodSync(kubeconfig, 0o644);
    const argv = [...execForm(last(final, 'ENTRYPOINT')!.args), 'controller', '--log-level', 'warn'];
    const c = start(argv, { DATA_PLANE_URL: 'http://127.0.0.1:9901', KUBECONFIG: kubeconfig });
    await until('HEALTHCHECK to pass', c, async () => (await healthy(c)) === 0);
    const ready = await c.get('http://127.0.0.1:8081/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toContain('not synced');
    c.kill('SIGTERM');
    expect(await c.exited).toEqual({ code: 0, signal: null });
    // --log-level warn: JSON lines only, none below warn (a default start logs dozens of info lines).
    const lines = c.output().split('\n').filter(Boolean);
    for (const line of lines) expect((JSON.parse(line) as { level: number }).level, line).toBeGreaterThanOrEqual(40);
  }, 240_000);
});
