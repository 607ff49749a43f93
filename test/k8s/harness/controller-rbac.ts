/**
 * Runs the controller as deploy/ ships it: creates the Namespace, ServiceAccounts and RBAC from
 * deploy/serval-gateway.yaml, and returns a kubeconfig with a TokenRequest token of its ServiceAccount,
 * so the tests prove the shipped RBAC is enough.
 */
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { Cluster } from './cluster.js';
import { writeServiceAccountKubeconfig } from './serviceaccount.js';

const RBAC_KINDS = ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

export async function controllerKubeconfigFromDeploy(cluster: Cluster): Promise<string> {
  const objects = k8s.KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
  const deploy = parseAllDocuments(readFileSync('deploy/serval-gateway.yaml', 'utf8')).map((d) => d.toJS() as k8s.KubernetesObject);
  for (const o of deploy.filter((d) => RBAC_KINDS.includes(d?.kind ?? ''))) await objects.create(o);
  return writeServiceAccountKubeconfig(cluster, { namespace: 'serval-system', name: 'serval-gateway', create: false });
}
