/**
 * The Helm chart (deploy/helm/serval-gateway) as a platform team uses it, against a real kube-apiserver with the
 * standard-channel Gateway API CRDs and helm built from the Go module proxy: lint with default and non-default
 * values, values.schema.json refusing bad values, deploy/serval-gateway.yaml equal to what the chart renders,
 * `helm install` / `upgrade` for real (the generated admin token survives the upgrade), every rendered object
 * applied server-side with strict field validation and stored whole, and the chart's RBAC checked with
 * SubjectAccessReviews like the plain manifest's.
 */
import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCluster, type Cluster } from './harness/cluster.js';
import { binaryPath, repoRoot } from './harness/paths.js';
import { RawApply } from './manifests/raw-apply.js';
import { accessesWhere, forbiddenAccess, neededAccess } from './manifests/rbac-review.js';
import { missingPaths } from './manifests/stored-fields.js';

const skipReason = inject('k8sSkipReason');
const CHART = join(repoRoot, 'deploy/helm/serval-gateway');
const NON_DEFAULT = join(repoRoot, 'test/k8s/helm/non-default.values.yaml');
const FIELD_MANAGER = 'serval-chart-test';
const run = promisify(execFile);

type Obj = k8s.KubernetesObject & Record<string, unknown>;

/** helm with its own config/cache dirs under the cluster's temp dir, so nothing of the user's is read or written. */
async function helm(cluster: Cluster | undefined, args: string[]): Promise<{ code: number; out: string }> {
  const dir = cluster?.dir ?? repoRoot;
  const env = { ...process.env, HELM_CONFIG_HOME: join(dir, 'helm/config'), HELM_CACHE_HOME: join(dir, 'helm/cache'), HELM_DATA_HOME: join(dir, 'helm/data') };
  const kube = cluster ? ['--kubeconfig', cluster.kubeconfigPath] : [];
  try {
    const { stdout, stderr } = await run(binaryPath('helm'), [...args, ...kube], { env, maxBuffer: 16 << 20 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function render(namespace: string, valueFiles: string[]): Promise<Obj[]> {
  const { code, out } = await helm(undefined, ['template', 'serval-gateway', CHART, '--namespace', namespace, ...valueFiles.flatMap((f) => ['-f', f])]);
  expect(code, out).toBe(0);
  return parseAllDocuments(out).map((d) => d.toJS() as Obj | null).filter((o): o is Obj => o !== null);
}

const label = (o: Obj) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

describe.skipIf(skipReason)('the Helm chart on a real API server', () => {
  let cluster: Cluster;
  let objects: RawApply;
  let authz: k8s.AuthorizationV1Api;
  let core: k8s.CoreV1Api;
  let failed = false;

  beforeAll(async () => {
    cluster = await startCluster({ kubelet: false, crdChannel: 'standard' });
    objects = new RawApply(cluster.kubeConfig, cluster.server, readFileSync(cluster.caFile), cluster.adminToken);
    authz = cluster.kubeConfig.makeApiClient(k8s.AuthorizationV1Api);
    core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    if (!cluster) return;
    if (failed) console.error(cluster.logTails());
    await cluster.stop();
  });

  it('lints clean with the default values and with every value changed', async () => {
    for (const values of [[], ['-f', NON_DEFAULT]]) {
      const { code, out } = await helm(undefined, ['lint', '--strict', CHART, ...values]);
      expect(code, out).toBe(0);
      expect(out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('values.schema.json refuses values the chart cannot honour, naming the value', async () => {
    const bad: Array<[string, RegExp]> = [
      ['router.kind=StatefulSet', /router\.kind|kind/],
      ['routr.kind=Deployment', /routr/],
      ['adminToken.value=short', /adminToken\.value|value/],
      ['service.type=Magic', /service\.type|type/],
      ['logLevel=verbose', /logLevel/],
    ];
    for (const [set, named] of bad) {
      const { code, out } = await helm(undefined, ['template', 'x', CHART, '--set', set]);
      expect(code, `${set} was accepted`).not.toBe(0);
      expect(out, set).toMatch(/schema/i);
      expect(out, set).toMatch(named);
    }
  });

  it('deploy/serval-gateway.yaml is exactly what the chart renders (npm run gen:manifests)', async () => {
    const { stdout } = await run('bash', [join(repoRoot, 'scripts/gen-manifests.sh'), '--stdout'], { env: { ...process.env, SERVAL_HELM: binaryPath('helm') }, maxBuffer: 16 << 20 });
    expect(stdout).toBe(readFileSync(join(repoRoot, 'deploy/serval-gateway.yaml'), 'utf8'));
  });

  it('installs for real, and an upgrade keeps the admin token it generated', async () => {
    const ns = 'gw-system';
    const token = async () => Buffer.from((await core.readNamespacedSecret({ namespace: ns, name: 'serval-admin-token' })).data!.token!, 'base64').toString();
    const install = await helm(cluster, ['install', 'serval', CHART, '--namespace', ns, '--create-namespace']);
    expect(install.code, install.out).toBe(0);
    const first = await token();
    expect(first.length).toBeGreaterThanOrEqual(16);
    const upgrade = await helm(cluster, ['upgrade', 'serval', CHART, '--namespace', ns, '--set', 'logLevel=debug']);
    expect(upgrade.code, upgrade.out).toBe(0);
    expect(await token()).toBe(first);
    const controller = await cluster.kubeConfig.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: ns, name: 'serval-gateway' });
    expect(controller.spec?.template.spec?.containers[0]?.env).toContainEqual({ name: 'LOG_LEVEL', value: 'debug' });
    expect(controller.spec?.template.spec?.containers[0]?.env).toContainEqual({ name: 'DATA_PLANE_SERVICE', value: `${ns}/serval-router-admin:9901` });
  });

  it("the installed chart's RBAC lets the controller do what it does and nothing else; the router nothing", async () => {
    const ns = 'gw-system';
    expect(await accessesWhere(authz, { namespace: ns, name: 'serval-gateway' }, neededAccess(ns), false)).toEqual([]);
    expect(await accessesWhere(authz, { namespace: ns, name: 'serval-gateway' }, forbiddenAccess(ns), true)).toEqual([]);
    expect(await accessesWhere(authz, { namespace: ns, name: 'serval-router' }, neededAccess(ns), true)).toEqual([]);
    const uninstall = await helm(cluster, ['uninstall', 'serval', '--namespace', ns, '--wait']);
    expect(uninstall.code, uninstall.out).toBe(0);
  });

  it('every object it renders, with default and with non-default values, applies server-side (strict) and is stored whole', async () => {
    await core.createNamespace({ body: { metadata: { name: 'serval-chart' } } });
    const problems: string[] = [];
    for (const values of [[], [NON_DEFAULT]]) {
      const rendered = await render('serval-chart', values);
      expect(rendered.map(label)).toEqual(expect.arrayContaining(['ClusterRole serval-gateway-controller', 'Deployment serval-chart/serval-gateway', 'Service serval-chart/serval-router']));
      for (const object of rendered) {
        const applied = await objects.apply(object, FIELD_MANAGER);
        if (applied.status !== 200 && applied.status !== 201) {
          problems.push(`${label(object)}: ${applied.status} ${applied.body?.message ?? JSON.stringify(applied.body)}`);
          continue;
        }
        const stored = await objects.get(object);
        const { status: _ignored, ...sent } = object;
        for (const p of missingPaths(sent, stored.body)) problems.push(`${label(object)}: ${p} not stored`);
      }
    }
    expect(problems).toEqual([]);
    // The non-default router is a Deployment with its replicas; the Service is the type asked for.
    const apps = cluster.kubeConfig.makeApiClient(k8s.AppsV1Api);
    expect((await apps.readNamespacedDeployment({ namespace: 'serval-chart', name: 'serval-router' })).spec?.replicas).toBe(4);
    expect((await core.readNamespacedService({ namespace: 'serval-chart', name: 'serval-router' })).spec?.type).toBe('NodePort');
  });
});
