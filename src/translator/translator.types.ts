/**
 * The translator's contract: a snapshot of Kubernetes objects in, router config plus desired status out.
 * Objects are plain JSON in the Kubernetes wire format (as the API server sends them, or as YAML files
 * parse), so the Kubernetes and file providers feed the same pure function.
 */
import type { V1EndpointSlice, V1Namespace, V1Secret, V1Service } from '@kubernetes/client-node';
import type { RouterConfig } from '../contract/router-config.schema.js';
import type { Gateway, GatewayClass, HTTPRoute, ReferenceGrant } from '../gateway-api/generated/index.js';

/** Metadata as it travels (timestamps are RFC 3339 strings, not client-node's Dates). */
export interface ObjectMetadata {
  name: string;
  namespace?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * Any Kubernetes object in wire format (the informer cache holds every kind alike): what keys, sorts and
 * identity need. The translator reads spec and status through the typed kinds below.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetadata;
  spec?: unknown;
  status?: unknown;
}

/** A core kind as client-node types it, with wire-format metadata. */
type Core<T> = Omit<T, 'metadata'> & { metadata: ObjectMetadata };

export type Service = Core<V1Service>;
export type EndpointSlice = Core<V1EndpointSlice>;
export type Secret = Core<V1Secret>;
export type Namespace = Core<V1Namespace>;

// Gateway API kinds: generated from the pinned release's CRDs (src/gateway-api/generated/).
export type { Gateway, GatewayClass, HTTPRoute, ReferenceGrant };

export interface ResourceSnapshot {
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  httpRoutes: HTTPRoute[];
  referenceGrants: ReferenceGrant[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  secrets: Secret[];
  namespaces: Namespace[];
}

export interface TranslatorOptions {
  /** GatewayClass spec.controllerName that is ours. */
  controllerName: string;
  /** Addresses handed out to Gateways (one each) for the router to bind; empty: all bind 0.0.0.0. */
  gatewayAddresses: string[];
  /** Address reported in Gateway status when the pool is empty (overrides publicAddressService). */
  publicAddress?: string;
  /**
   * The router's client-facing Service (in snapshot.services): with an empty pool and no publicAddress,
   * Gateways report its load balancer ingress (IP or hostname) and spec.externalIPs.
   */
  publicAddressService?: { namespace: string; name: string };
  /**
   * RFC 3339 time stamped on conditions whose status changes (a condition that keeps its status keeps
   * its old lastTransitionTime). Passed in so the translation stays pure; default 1970-01-01T00:00:00Z.
   */
  now?: string;
  /**
   * The `gateway.networking.k8s.io/bundle-version` annotation of the installed GatewayClass CRD, when the
   * provider can see CRDs: a string sets GatewayClass SupportedVersion True/False, `null` (annotation
   * missing) sets it False, undefined leaves the condition out.
   */
  gatewayApiBundleVersion?: string | null;
}

/** The status an object should carry (only the subtree this controller owns is meaningful). */
export interface ObjectStatus {
  kind: 'GatewayClass' | 'Gateway' | 'HTTPRoute';
  namespace?: string;
  name: string;
  /** The full desired `status` (other controllers' HTTPRoute parent entries are carried over untouched). */
  status: Record<string, unknown>;
}

/** A source object whose contribution the router would refuse: left out of the config (see output-guard.ts). */
export interface RejectedObject {
  kind: 'HTTPRoute' | 'Gateway' | 'Service';
  namespace: string;
  name: string;
  /** What in the router config, and what the router says about it. */
  reason: string;
}

export interface TranslationResult {
  config: RouterConfig;
  statuses: ObjectStatus[];
  /** Present only when some object was left out. */
  rejected?: RejectedObject[];
}
