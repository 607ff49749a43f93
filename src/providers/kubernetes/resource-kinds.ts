/**
 * The Kubernetes resources the controller watches, where they live in the API, and where they go in the
 * translator's snapshot. Secrets are limited server-side to type kubernetes.io/tls: other secrets are
 * never read.
 */
import type { ResourceSnapshot } from '../../translator/translator.types.js';

export interface ResourceKind {
  kind: string;
  apiVersion: string;
  /** Collection path across all namespaces (or of the cluster-scoped resource). */
  path: string;
  snapshotKey: keyof ResourceSnapshot;
  fieldSelector?: string;
}

const GW = 'gateway.networking.k8s.io';

export const WATCHED_KINDS: readonly ResourceKind[] = [
  { kind: 'GatewayClass', apiVersion: `${GW}/v1`, path: `/apis/${GW}/v1/gatewayclasses`, snapshotKey: 'gatewayClasses' },
  { kind: 'Gateway', apiVersion: `${GW}/v1`, path: `/apis/${GW}/v1/gateways`, snapshotKey: 'gateways' },
  { kind: 'HTTPRoute', apiVersion: `${GW}/v1`, path: `/apis/${GW}/v1/httproutes`, snapshotKey: 'httpRoutes' },
  { kind: 'ReferenceGrant', apiVersion: `${GW}/v1beta1`, path: `/apis/${GW}/v1beta1/referencegrants`, snapshotKey: 'referenceGrants' },
  { kind: 'Service', apiVersion: 'v1', path: '/api/v1/services', snapshotKey: 'services' },
  { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', path: '/apis/discovery.k8s.io/v1/endpointslices', snapshotKey: 'endpointSlices' },
  { kind: 'Secret', apiVersion: 'v1', path: '/api/v1/secrets', snapshotKey: 'secrets', fieldSelector: 'type=kubernetes.io/tls' },
  { kind: 'Namespace', apiVersion: 'v1', path: '/api/v1/namespaces', snapshotKey: 'namespaces' },
];

/** Kinds whose status this controller writes, with the coordinates of their status subresource. */
export const STATUS_KINDS = {
  GatewayClass: { group: GW, version: 'v1', plural: 'gatewayclasses', namespaced: false, snapshotKey: 'gatewayClasses' },
  Gateway: { group: GW, version: 'v1', plural: 'gateways', namespaced: true, snapshotKey: 'gateways' },
  HTTPRoute: { group: GW, version: 'v1', plural: 'httproutes', namespaced: true, snapshotKey: 'httpRoutes' },
} as const;

export function isStatusKind(kind: string): kind is keyof typeof STATUS_KINDS {
  return Object.hasOwn(STATUS_KINDS, kind);
}

export function emptySnapshot(): ResourceSnapshot {
  return { gatewayClasses: [], gateways: [], httpRoutes: [], referenceGrants: [], services: [], endpointSlices: [], secrets: [], namespaces: [] };
}

export function objectKey(o: { metadata: { namespace?: string; name: string } }): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
