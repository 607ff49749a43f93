/**
 * deploy/ as an operator applies it, against a real kube-apiserver with the pinned Gateway API CRDs:
 * every document of deploy/serval-gateway.yaml and deploy/examples/*.yaml applies server-side (standard-channel
 * CRDs, the ones the README installs), is
 * stored without a field being dropped (a typo the schema prunes would vanish silently), re-applies
 * as a no-op, and the RBAC it ships lets the controller's ServiceAccount do exactly what the
 * controller does (derived from src/providers/kubernetes/resource-kinds.ts) and nothing else we can think of.
 */
import * as k8s from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCluster, type Cluster } from './harness/cluster.js';
import { httpsGet } from './harness/https.js';
import { RawApply } from './manifests/raw-apply.js';
import { accessesWhere, forbiddenAccess, neededAccess } from './manifests/rbac-review.js';
import { missingPaths } from './manifests/stored-fields.js';
import { mintServiceAccountToken } from './harness/serviceaccount.js';

const skipReason = inject('k8sSkipReason');
const ROOT = new URL('../../', import.meta.url).pathname;
const FIELD_MANAGER = 'serval-manifest-test';
const NS = 'serval-system';
const CONTROLLER_SA = { namespace: NS, name: 'serval-gateway' };
const ROUTER_SA = { namespace: NS, name: 'serval-router' };

interface Doc {
  file: string;
  object: k8s.KubernetesObject & Record<string, unknown>;
}

function manifestFiles(): string[] {
  const examples = readdirSync(join(ROOT, 'deploy/examples')).filter((f) => f.endsWith('.yaml')).sort();
  return ['deploy/serval-gateway.yaml', ...examples.map((f) => `deploy/examples/${f}`)];
}

function documents(file: string): Doc[] {
  return parseAllDocuments(readFileSync(join(ROOT, file), 'utf8'))
    .map((d) => d.toJS() as Doc['object'] | null)
    .filter((o): o is Doc['object'] => o !== null)
    .map((object) => ({ file, object }));
}

const label = (d: Doc) => `${d.file}: ${d.object.kind} ${d.object.metadata?.namespace ? `${d.object.metadata.namespace}/` : ''}${d.object.metadata?.name}`;

describe.skipIf(skipReason)('deploy/ manifests on a real API server', () => {
  let cluster: Cluster;
  let objects: RawApply;
  let authz: k8s.AuthorizationV1Api;
  const docs = manifestFiles().flatMap(documents);
  let failed = false;

  beforeAll(async () => {
    // The standard channel: what the README installs (experimental is a superset and would hide experimental-only fields).
    cluster = await startCluster({ kubelet: false, crdChannel: 'standard' });
    objects = new RawApply(cluster.kubeConfig, cluster.server, readFileSync(cluster.caFile), cluster.adminToken);
    authz = cluster.kubeConfig.makeApiClient(k8s.AuthorizationV1Api);
    // What the install instructions do before the one apply: the namespace and the shared admin token.
    const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'serval-admin-token' }, stringData: { token: 'a-test-admin-token-0123456789abcdef' } } });
  });

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    if (!cluster) return;
    if (failed) console.error(cluster.logTails());
    await cluster.stop();
  });

  it('finds the shipped files', () => {
    expect(docs.map(label)).toEqual(expect.arrayContaining([
      'deploy/serval-gateway.yaml: Deployment serval-system/serval-gateway',
      'deploy/serval-gateway.yaml: DaemonSet serval-system/serval-router',
      'deploy/serval-gateway.yaml: GatewayClass serval',
      'deploy/examples/basic-gateway.yaml: Gateway default/web',
      'deploy/examples/cross-namespace-route.yaml: ReferenceGrant shared/allow-team-a-routes',
    ]));
  });

  it('applies every document server-side (strict field validation) and stores every field it sets', async () => {
    const problems: string[] = [];
    for (const doc of docs) {
      const applied = await objects.apply(doc.object, FIELD_MANAGER);
      if (applied.status !== 200 && applied.status !== 201) {
        problems.push(`${label(doc)}: ${applied.status} ${applied.body?.message ?? JSON.stringify(applied.body)}`);
        continue;
      }
      const stored = await objects.get(doc.object);
      const { status: _ignored, ...sent } = doc.object;
      for (const p of missingPaths(sent, stored.body)) problems.push(`${label(doc)}: ${p} not stored`);
    }
    expect(problems).toEqual([]);
  });

  it('re-applying changes nothing (no field the server fights over)', async () => {
    // resourceVersion and managedFields may move (bookkeeping); the object itself must not.
    const comparable = (o: { metadata?: Record<string, unknown> }) => JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, managedFields: undefined } });
    const changed: string[] = [];
    for (const doc of docs) {
      const before = (await objects.get(doc.object)).body;
      const after = (await objects.apply(doc.object, FIELD_MANAGER)).body;
      if (comparable(after) !== comparable(before)) changed.push(label(doc));
    }
    expect(changed).toEqual([]);
  });

  describe('RBAC of the controller ServiceAccount', () => {
    it('allows everything the controller does', async () => {
      expect(await accessesWhere(authz, CONTROLLER_SA, neededAccess(NS), false)).toEqual([]);
    });

    it('denies writes to specs, reads by name, other leases and unrelated kinds', async () => {
      expect(await accessesWhere(authz, CONTROLLER_SA, forbiddenAccess(NS), true)).toEqual([]);
    });

    it('the router ServiceAccount may do nothing at all', async () => {
      expect(await accessesWhere(authz, ROUTER_SA, neededAccess(NS), true)).toEqual([]);
    });

    it('holds for a real token of the ServiceAccount the Deployment runs as', async () => {
      const token = await mintServiceAccountToken(cluster, { ...CONTROLLER_SA, create: false });
      const ca = readFileSync(cluster.caFile);
      const get = (path: string) => httpsGet(`${cluster.server}${path}`, { ca, token }).then((r) => r.status);
      expect(await get('/apis/gateway.networking.k8s.io/v1/httproutes')).toBe(200);
      // Secrets are listed (TLS certificates for listeners; the informer asks only for type kubernetes.io/tls)...
      expect(await get('/api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls')).toBe(200);
      // ...but never read one by name, not even the admin token next to it.
      expect(await get(`/api/v1/namespaces/${NS}/secrets/serval-admin-token`)).toBe(403);
      // Listing is cluster-wide, though: RBAC cannot scope a list to a field selector (documented in the README).
      expect(await get('/api/v1/namespaces/kube-system/secrets')).toBe(200);
      expect(await get('/api/v1/pods')).toBe(403);
    });
  });
});
