// Installs the Gateway API CRDs of the pinned release (copied into the cache
// by hack/build-cluster.sh) and waits until the apiserver serves them.
import * as k8s from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { crdDir, type CrdChannel } from './paths.js';
import { waitFor } from './wait.js';

export async function installGatewayApiCrds(kc: k8s.KubeConfig, channel: CrdChannel): Promise<string[]> {
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const dir = crdDir(channel);
  const crdNames: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as k8s.KubernetesObject | null;
      if (!obj?.kind) continue;
      // Besides CRDs the release ships a ValidatingAdmissionPolicy (safe upgrades); apply it too.
      await objects.create(obj);
      if (obj.kind === 'CustomResourceDefinition') crdNames.push(obj.metadata!.name!);
    }
  }
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  for (const name of crdNames) {
    const crd = await waitFor(`CRD ${name} Established`, async () => {
      const crd = await ext.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') && crd;
    }, 30_000, 100);
    // Established is not enough: right after it, requests can still get
    // 429 "storage is (re)initializing". Wait until every version lists.
    const { group, names } = crd.spec;
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      await waitFor(`${names.plural}.${group}/${version.name} listable`, () =>
        custom.listClusterCustomObject({ group, version: version.name, plural: names.plural, limit: 1 }).then(() => true),
      30_000, 100);
    }
  }
  return crdNames;
}
