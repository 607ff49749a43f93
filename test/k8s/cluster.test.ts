// Smoke test of the real-Kubernetes tier itself: control plane, CRDs, RBAC,
// test kubelet and Pod networking, before any serval code is involved.
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCluster, type Cluster } from './harness/cluster.js';
import { createEchoApp } from './harness/echo-app.js';
import { httpsGet } from './harness/https.js';
import { mintServiceAccountToken, writeServiceAccountKubeconfig } from './harness/serviceaccount.js';
import { waitFor } from './harness/wait.js';

const skipReason = inject('k8sSkipReason');
const NS = 'smoke';

describe.skipIf(skipReason)('test cluster', () => {
  let cluster: Cluster;
  let core: k8s.CoreV1Api;

  beforeAll(async () => {
    cluster = await startCluster();
    core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  });

  let failed = false;
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    if (!cluster) return;
    if (failed) console.error(cluster.logTails());
    await cluster.stop();
  });

  it('reports the pinned Kubernetes release', async () => {
    const version = await cluster.kubeConfig.makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toBe(cluster.versions.kubernetes);
  });

  it('serves the Gateway API CRDs', async () => {
    const custom = cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    for (const plural of ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'referencegrants', 'backendtlspolicies']) {
      const list = await custom.listClusterCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', plural });
      expect(list).toHaveProperty('items');
    }
  });

  it('enforces RBAC for ServiceAccount kubeconfigs', async () => {
    const token = await mintServiceAccountToken(cluster, { namespace: 'rbac-check', name: 'nobody' });
    const res = await httpsGet(`${cluster.server}/api/v1/namespaces/kube-system/secrets`, { ca: readFileSync(cluster.caFile), token });
    expect(res.status).toBe(403);

    const path = await writeServiceAccountKubeconfig(cluster, { namespace: 'rbac-check', name: 'viewer' });
    const asViewer = new k8s.KubeConfig();
    asViewer.loadFromFile(path);
    const viewerCore = asViewer.makeApiClient(k8s.CoreV1Api);
    await expect(viewerCore.listNamespacedPod({ namespace: 'rbac-check' })).rejects.toMatchObject({ code: 403 });
    // The built-in "view" ClusterRole is aggregated by kube-controller-manager.
    const rbac = cluster.kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.createNamespacedRoleBinding({
      namespace: 'rbac-check',
      body: {
        metadata: { name: 'viewer-view' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace: 'rbac-check' }],
      },
    });
    await waitFor('viewer can list pods', () => viewerCore.listNamespacedPod({ namespace: 'rbac-check' }), 10_000);
  });

  it('runs echo-basic Pods with their own IPs behind ready EndpointSlices', async () => {
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await createEchoApp(cluster.kubeConfig, NS, 2);

    const discovery = cluster.kubeConfig.makeApiClient(k8s.DiscoveryV1Api);
    const endpoints = await waitFor('2 ready endpoints for Service smoke/echo', async () => {
      const slices = await discovery.listNamespacedEndpointSlice({ namespace: NS, labelSelector: 'kubernetes.io/service-name=echo' });
      const ready = slices.items.flatMap((s) => s.endpoints).filter((e) => e.conditions?.ready);
      return ready.length === 2 ? ready : undefined;
    }, 60_000);

    const ips = endpoints.map((e) => e.addresses[0]!);
    expect(new Set(ips).size).toBe(2);
    for (const endpoint of endpoints) {
      const res = await fetch(`http://${endpoint.addresses[0]}:3000/smoke-path`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { path: string; namespace: string; pod: string };
      expect(body.path).toBe('/smoke-path');
      expect(body.namespace).toBe(NS);
      expect(body.pod).toBe(endpoint.targetRef?.name);
    }
  });

  it('cleans up processes and network of deleted Pods', async () => {
    const before = cluster.kubelet!.podIPs();
    expect(before.size).toBe(2);
    const apps = cluster.kubeConfig.makeApiClient(k8s.AppsV1Api);
    await apps.deleteNamespacedDeployment({ namespace: NS, name: 'echo', body: { propagationPolicy: 'Foreground' } });
    await waitFor('pods of smoke/echo gone', async () => {
      const pods = await core.listNamespacedPod({ namespace: NS });
      return pods.items.length === 0 && cluster.kubelet!.podIPs().size === 0;
    }, 60_000);
    for (const ip of before.values()) {
      await expect(fetch(`http://${ip}:3000/`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
    }
  });
});
