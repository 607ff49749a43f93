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
import { STATUS_KINDS, WATCHED_KINDS } from '../../src/providers/kubernetes/resource-kinds.js';
import { SETTINGS } from '../../src/config/settings.schema.js';
import { startCluster, type Cluster } from './harness/cluster.js';
import { httpsGet } from './harness/https.js';
import { RawApply } from './manifests/raw-apply.js';
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

/** Paths present in `want` but absent (or different, for scalars) in `got`. Status and server-set fields are not compared. */
function missingPaths(want: unknown, got: unknown, path = ''): string[] {
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return [path];
    return want.flatMap((w, i) => missingPaths(w, got[i], `${path}/${i}`));
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object') return [path];
    return Object.entries(want).flatMap(([k, v]) => missingPaths(v, (got as Record<string, unknown>)[k], `${path}/${k}`));
  }
  // The API omits empty strings (omitempty), and quantities or ints-or-strings may come back in another spelling.
  if (want === '' && got === undefined) return [];
  return String(want) === String(got) ? [] : [`${path} (sent ${JSON.stringify(want)}, stored ${JSON.stringify(got)})`];
}

/** group and plural of a collection path like /apis/<group>/<version>/<plural> or /api/v1/<plural>. */
function resourceOf(path: string): { group: string; resource: string } {
  const parts = path.split('/').filter(Boolean);
  return parts[0] === 'api' ? { group: '', resource: parts[2] } : { group: parts[1], resource: parts[3] };
}

interface Access {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const show = (a: Access) =>
  `${a.verb} ${a.group || 'core'}/${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.namespace ? ` in ${a.namespace}` : ''}${a.name ? ` named ${a.name}` : ''}`;

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
    async function allowed(sa: { namespace: string; name: string }, a: Access): Promise<boolean> {
      const review = await authz.createSubjectAccessReview({
        body: {
          spec: {
            user: `system:serviceaccount:${sa.namespace}:${sa.name}`,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'],
            resourceAttributes: { verb: a.verb, group: a.group, resource: a.resource, subresource: a.subresource, namespace: a.namespace, name: a.name },
          },
        },
      });
      return review.status?.allowed === true;
    }

    /** Every access the controller makes: informers (list+watch, all namespaces), status patches, its Lease. */
    function needed(): Access[] {
      const lease = SETTINGS.leaseName.default;
      return [
        ...WATCHED_KINDS.flatMap((k) => ['list', 'watch'].map((verb) => ({ verb, ...resourceOf(k.path) }))),
        ...Object.values(STATUS_KINDS).map((k) => ({ verb: 'patch', group: k.group, resource: k.plural, subresource: 'status', namespace: k.namespaced ? 'default' : undefined, name: 'any' })),
        { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: NS },
        { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: NS, name: lease },
        { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: NS, name: lease },
      ];
    }

    it('allows everything the controller does', async () => {
      const denied: string[] = [];
      for (const a of needed()) if (!(await allowed(CONTROLLER_SA, a))) denied.push(show(a));
      expect(denied).toEqual([]);
    });

    it('denies writes to specs, reads by name, other leases and unrelated kinds', async () => {
      const gw = 'gateway.networking.k8s.io';
      const forbidden: Access[] = [
        { verb: 'update', group: gw, resource: 'httproutes', namespace: 'default', name: 'api' },
        { verb: 'patch', group: gw, resource: 'httproutes', namespace: 'default', name: 'api' },
        { verb: 'create', group: gw, resource: 'httproutes', namespace: 'default' },
        { verb: 'delete', group: gw, resource: 'gateways', namespace: 'default', name: 'web' },
        { verb: 'patch', group: gw, resource: 'gatewayclasses', name: 'serval' },
        { verb: 'update', group: gw, resource: 'gateways', subresource: 'status', namespace: 'default', name: 'web' },
        { verb: 'patch', group: gw, resource: 'referencegrants', subresource: 'status', namespace: 'shared', name: 'allow-team-a-routes' },
        { verb: 'get', group: '', resource: 'secrets', namespace: 'kube-system', name: 'anything' },
        { verb: 'get', group: '', resource: 'secrets', namespace: NS, name: 'serval-admin-token' },
        { verb: 'create', group: '', resource: 'secrets', namespace: NS },
        { verb: 'get', group: '', resource: 'services', namespace: 'default', name: 'api' },
        { verb: 'patch', group: '', resource: 'services', namespace: 'default', name: 'api' },
        { verb: 'list', group: '', resource: 'pods' },
        { verb: 'list', group: '', resource: 'configmaps' },
        { verb: 'create', group: '', resource: 'pods/exec', namespace: NS },
        { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: NS, name: 'some-other-lease' },
        { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: NS, name: SETTINGS.leaseName.default },
        { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system' },
        { verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
        { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
      ];
      const granted: string[] = [];
      for (const a of forbidden) if (await allowed(CONTROLLER_SA, a)) granted.push(show(a));
      expect(granted).toEqual([]);
    });

    it('the router ServiceAccount may do nothing at all', async () => {
      const granted: string[] = [];
      for (const a of needed()) if (await allowed(ROUTER_SA, a)) granted.push(show(a));
      expect(granted).toEqual([]);
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
