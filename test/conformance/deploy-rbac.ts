// Applies the parts of deploy/serval-gateway.yaml that a controller running
// outside the cluster still needs: its Namespace, ServiceAccounts, RBAC and the
// GatewayClass. Workloads (Deployment, DaemonSet, Services, policies) are left
// out: here the controller and router run as local processes.
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const APPLIED_KINDS = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'GatewayClass']);

/** The objects of a multi-document manifest whose kind is one we apply. */
export function rbacObjects(manifest: string): k8s.KubernetesObject[] {
  return parseAllDocuments(manifest)
    .map((doc) => doc.toJS() as k8s.KubernetesObject | null)
    .filter((obj): obj is k8s.KubernetesObject => !!obj?.kind && APPLIED_KINDS.has(obj.kind));
}

/** Creates every object (already existing ones are left as they are); returns "Kind/name" of each. */
export async function applyDeployRbac(kc: k8s.KubeConfig, repoRoot: string): Promise<string[]> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const applied: string[] = [];
  for (const obj of rbacObjects(readFileSync(join(repoRoot, 'deploy/serval-gateway.yaml'), 'utf8'))) {
    try {
      await api.create(obj);
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
    applied.push(`${obj.kind}/${obj.metadata?.name}`);
  }
  return applied;
}
