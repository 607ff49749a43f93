/**
 * The Gateway API features (names from sigs.k8s.io/gateway-api pkg/features, v1.6) that this
 * implementation claims in GatewayClass status.supportedFeatures. Claim only what the router implements
 * and the translator maps: the conformance suite runs the tests of every claimed feature.
 */
export const SUPPORTED_FEATURES: readonly string[] = Object.freeze(
  [
    'Gateway',
    'GatewayAddressEmpty',
    'GatewayHTTPListenerIsolation',
    'GatewayPort8080',
    'GatewayStaticAddresses',
    'HTTPRoute',
    'HTTPRoute303RedirectStatusCode',
    'HTTPRoute307RedirectStatusCode',
    'HTTPRoute308RedirectStatusCode',
    'HTTPRouteBackendProtocolWebSocket',
    'HTTPRouteBackendRequestHeaderModification',
    'HTTPRouteBackendTimeout',
    'HTTPRouteCORS',
    'HTTPRouteDestinationPortMatching',
    'HTTPRouteHostRewrite',
    'HTTPRouteMethodMatching',
    'HTTPRouteNamedRouteRule',
    'HTTPRouteParentRefPort',
    'HTTPRoutePathRedirect',
    'HTTPRoutePathRewrite',
    'HTTPRoutePortRedirect',
    'HTTPRouteQueryParamMatching',
    'HTTPRouteRequestMirror',
    'HTTPRouteRequestMultipleMirrors',
    'HTTPRouteRequestPercentageMirror',
    'HTTPRouteRequestTimeout',
    'HTTPRouteResponseHeaderModification',
    'HTTPRouteRetry',
    'HTTPRouteSchemeRedirect',
    'ReferenceGrant',
  ].sort(),
);

/** Gateway API bundle versions (major.minor) whose CRDs this translator understands. */
export const SUPPORTED_BUNDLE_VERSIONS: readonly string[] = Object.freeze(['v1.6']);
