// Credentials for a ServiceAccount, minted with the TokenRequest API, so the
// controller under test runs with exactly the RBAC that deploy/ ships.
import * as k8s from '@kubernetes/client-node';
import { join } from 'node:path';
import type { Cluster } from './cluster.js';
import { writeKubeconfig } from './kubeconfig.js';

export interface ServiceAccountRef {
  namespace: string;
  name: string;
  /** Token lifetime; the apiserver enforces a minimum of 600s. Default 3600. */
  expirationSeconds?: number;
  /** Create the ServiceAccount (and namespace) if missing. Default true. */
  create?: boolean;
}

/** Returns a bearer token for the ServiceAccount (TokenRequest, bound to the apiserver's audience). */
export async function mintServiceAccountToken(cluster: Pick<Cluster, 'kubeConfig'>, sa: ServiceAccountRef): Promise<string> {
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  if (sa.create ?? true) {
    await ignoreConflict(core.createNamespace({ body: { metadata: { name: sa.namespace } } }));
    await ignoreConflict(core.createNamespacedServiceAccount({ namespace: sa.namespace, body: { metadata: { name: sa.name } } }));
  }
  const request = await core.createNamespacedServiceAccountToken({
    namespace: sa.namespace,
    name: sa.name,
    body: { spec: { audiences: [], expirationSeconds: sa.expirationSeconds ?? 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ${sa.namespace}/${sa.name} returned no token`);
  return token;
}

/** Mints a token and writes a kubeconfig for it into the cluster dir; returns the file path. */
export async function writeServiceAccountKubeconfig(
  cluster: Pick<Cluster, 'kubeConfig' | 'server' | 'caFile' | 'dir'>,
  sa: ServiceAccountRef & { path?: string },
): Promise<string> {
  const token = await mintServiceAccountToken(cluster, sa);
  return writeKubeconfig(sa.path ?? join(cluster.dir, `sa-${sa.namespace}-${sa.name}.kubeconfig`), {
    server: cluster.server,
    caFile: cluster.caFile,
    user: `system:serviceaccount:${sa.namespace}:${sa.name}`,
    token,
    namespace: sa.namespace,
  });
}

async function ignoreConflict(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}
