/**
 * Names for the pieces of the generated kinds the translator passes around (derived from the generated
 * types, so the CRDs stay their one source).
 */
import type { Gateway, HTTPRoute, ReferenceGrant } from './generated/index.js';

type Item<T> = T extends readonly (infer I)[] ? I : never;

export type Listener = Item<Gateway['spec']['listeners']>;
export type ListenerTls = NonNullable<Listener['tls']>;
export type CertificateRef = Item<NonNullable<ListenerTls['certificateRefs']>>;
export type AllowedRoutes = NonNullable<Listener['allowedRoutes']>;
export type GatewayAddress = Item<NonNullable<Gateway['spec']['addresses']>>;
export type ListenerStatus = Item<NonNullable<NonNullable<Gateway['status']>['listeners']>>;

export type HTTPRouteRule = Item<NonNullable<HTTPRoute['spec']['rules']>>;
export type HTTPRouteMatch = Item<NonNullable<HTTPRouteRule['matches']>>;
export type HTTPRouteFilter = Item<NonNullable<HTTPRouteRule['filters']>>;
export type HTTPBackendRef = Item<NonNullable<HTTPRouteRule['backendRefs']>>;
export type HTTPBackendRefFilter = Item<NonNullable<HTTPBackendRef['filters']>>;
export type HTTPHeaderModifier = NonNullable<HTTPRouteFilter['requestHeaderModifier']>;
export type HTTPPathModifier = NonNullable<NonNullable<HTTPRouteFilter['urlRewrite']>['path']>;
export type HTTPRequestMirror = NonNullable<HTTPRouteFilter['requestMirror']>;
export type BackendObjectReference = HTTPRequestMirror['backendRef'];
export type ParentReference = Item<NonNullable<HTTPRoute['spec']['parentRefs']>>;
export type RouteParentStatus = Item<NonNullable<HTTPRoute['status']>['parents']>;

export type ReferenceGrantFrom = Item<ReferenceGrant['spec']['from']>;
export type ReferenceGrantTo = Item<ReferenceGrant['spec']['to']>;
