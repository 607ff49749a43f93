/**
 * The one call the status writer makes to Kubernetes, behind a narrow interface so its logic is
 * unit-tested against a fake (test/status/kubernetes/status-writer.test.ts) and run for real in test/k8s.
 */
import { PatchStrategy } from '@kubernetes/client-node';
import { KubeApi } from '../../providers/kubernetes/kube-api.js';
import { STATUS_KINDS } from '../../providers/kubernetes/resource-kinds.js';
import type { StatusKind } from '../../pipeline/pipeline.events.js';

export const STATUS_API = Symbol('serval.status-api');

export interface StatusApi {
  /**
   * Merge-patches an object's status subresource; answers the stored object's status. Fails with a
   * KubeApiError: 409 when the patch's resourceVersion is not the object's, 404 when it is gone.
   */
  patchStatus(kind: StatusKind, namespace: string | undefined, name: string, patch: Record<string, unknown>): Promise<{ status?: unknown } | undefined>;
}

export class KubeStatusApi implements StatusApi {
  constructor(private readonly api: KubeApi) {}

  patchStatus(kind: StatusKind, namespace: string | undefined, name: string, patch: Record<string, unknown>): Promise<{ status?: unknown } | undefined> {
    const coords = STATUS_KINDS[kind];
    const path = coords.namespaced
      ? `/apis/${coords.group}/${coords.version}/namespaces/${encodeURIComponent(namespace ?? '')}/${coords.plural}/${encodeURIComponent(name)}/status`
      : `/apis/${coords.group}/${coords.version}/${coords.plural}/${encodeURIComponent(name)}/status`;
    return this.api.request<{ status?: unknown }>('PATCH', path, { body: patch, contentType: PatchStrategy.MergePatch });
  }
}
