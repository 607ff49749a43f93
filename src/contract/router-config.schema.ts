/**
 * The wire contract between the control plane and the router (data plane).
 *
 * This file is the one source of truth: the JSON Schema the router validates at its door and the
 * TypeScript types both sides compile against are derived from it (TypeBox), never written twice.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

/** Keeps a schema named in error messages and the generated JSON Schema. */
const Named = <T extends TSchema>(id: string, schema: T): T => ({ ...schema, title: id });

export const HeaderName = Type.String({ minLength: 1, maxLength: 256, pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" });
const HeaderValue = Type.String({ maxLength: 8192 });
const Hostname = Type.String({ minLength: 1, maxLength: 253 });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Millis = Type.Integer({ minimum: 1, maximum: 86_400_000 });

export const StringMatchType = Type.Union([Type.Literal('Exact'), Type.Literal('RegularExpression')]);

export const HeaderMatch = Named(
  'HeaderMatch',
  Type.Object({ type: Type.Optional(StringMatchType), name: HeaderName, value: Type.String({ maxLength: 4096 }) }, strict),
);

export const QueryParamMatch = Named(
  'QueryParamMatch',
  Type.Object({ type: Type.Optional(StringMatchType), name: Type.String({ minLength: 1, maxLength: 256 }), value: Type.String({ maxLength: 4096 }) }, strict),
);

export const PathMatch = Named(
  'PathMatch',
  Type.Object(
    {
      type: Type.Union([Type.Literal('Exact'), Type.Literal('PathPrefix'), Type.Literal('RegularExpression')]),
      value: Type.String({ minLength: 1, maxLength: 4096 }),
    },
    strict,
  ),
);

export const RouteMatch = Named(
  'RouteMatch',
  Type.Object(
    {
      path: Type.Optional(PathMatch),
      headers: Type.Optional(Type.Array(HeaderMatch, { maxItems: 16 })),
      queryParams: Type.Optional(Type.Array(QueryParamMatch, { maxItems: 16 })),
      method: Type.Optional(Type.String({ pattern: '^[A-Z]+$', maxLength: 16 })),
    },
    strict,
  ),
);

const HeaderValuePair = Type.Object({ name: HeaderName, value: HeaderValue }, strict);

export const HeaderModifier = Named(
  'HeaderModifier',
  Type.Object(
    {
      set: Type.Optional(Type.Array(HeaderValuePair, { maxItems: 32 })),
      add: Type.Optional(Type.Array(HeaderValuePair, { maxItems: 32 })),
      remove: Type.Optional(Type.Array(HeaderName, { maxItems: 32 })),
    },
    strict,
  ),
);

export const PathModifier = Named(
  'PathModifier',
  Type.Object(
    {
      type: Type.Union([Type.Literal('ReplaceFullPath'), Type.Literal('ReplacePrefixMatch')]),
      value: Type.String({ maxLength: 4096 }),
    },
    strict,
  ),
);

export const RequestRedirect = Named(
  'RequestRedirect',
  Type.Object(
    {
      scheme: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('https')])),
      hostname: Type.Optional(Hostname),
      port: Type.Optional(Port),
      path: Type.Optional(PathModifier),
      statusCode: Type.Optional(
        Type.Union([Type.Literal(301), Type.Literal(302), Type.Literal(303), Type.Literal(307), Type.Literal(308)]),
      ),
    },
    strict,
  ),
);

export const UrlRewrite = Named(
  'UrlRewrite',
  Type.Object({ hostname: Type.Optional(Hostname), path: Type.Optional(PathModifier) }, strict),
);

export const RequestMirror = Named(
  'RequestMirror',
  Type.Object(
    {
      pool: Type.String({ minLength: 1 }),
      /** Share of requests mirrored, 0-100 (default 100). */
      percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    },
    strict,
  ),
);

export const Cors = Named(
  'Cors',
  Type.Object(
    {
      allowOrigins: Type.Optional(Type.Array(Type.String(), { maxItems: 64 })),
      allowMethods: Type.Optional(Type.Array(Type.String(), { maxItems: 16 })),
      allowHeaders: Type.Optional(Type.Array(Type.String(), { maxItems: 64 })),
      exposeHeaders: Type.Optional(Type.Array(Type.String(), { maxItems: 64 })),
      allowCredentials: Type.Optional(Type.Boolean()),
      maxAge: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    strict,
  ),
);

/** Filters run in the order listed; a redirect ends the request at the router. */
export const Filter = Named(
  'Filter',
  Type.Union([
    Type.Object({ type: Type.Literal('RequestHeaderModifier'), requestHeaderModifier: HeaderModifier }, strict),
    Type.Object({ type: Type.Literal('ResponseHeaderModifier'), responseHeaderModifier: HeaderModifier }, strict),
    Type.Object({ type: Type.Literal('RequestRedirect'), requestRedirect: RequestRedirect }, strict),
    Type.Object({ type: Type.Literal('URLRewrite'), urlRewrite: UrlRewrite }, strict),
    Type.Object({ type: Type.Literal('RequestMirror'), requestMirror: RequestMirror }, strict),
    Type.Object({ type: Type.Literal('CORS'), cors: Cors }, strict),
  ]),
);

/** Filters allowed on a single backend (Gateway API backendRef filters). */
export const BackendFilter = Named(
  'BackendFilter',
  Type.Union([
    Type.Object({ type: Type.Literal('RequestHeaderModifier'), requestHeaderModifier: HeaderModifier }, strict),
    Type.Object({ type: Type.Literal('ResponseHeaderModifier'), responseHeaderModifier: HeaderModifier }, strict),
  ]),
);

export const RouteBackend = Named(
  'RouteBackend',
  Type.Object(
    {
      /** Pool name. Absent means the reference could not be resolved: requests sent its way get 500. */
      pool: Type.Optional(Type.String({ minLength: 1 })),
      weight: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
      filters: Type.Optional(Type.Array(BackendFilter, { maxItems: 16 })),
    },
    strict,
  ),
);

export const Route = Named(
  'Route',
  Type.Object(
    {
      /** Stable name, used as the metrics label (the translator uses namespace/route/rule/match). */
      name: Type.String({ minLength: 1, maxLength: 512 }),
      match: RouteMatch,
      filters: Type.Optional(Type.Array(Filter, { maxItems: 32 })),
      /** Empty list, or all weights 0 with no valid pool: 500 (Gateway API: all backends invalid). */
      backends: Type.Array(RouteBackend, { maxItems: 64 }),
      timeouts: Type.Optional(Type.Object({ request: Type.Optional(Millis), backendRequest: Type.Optional(Millis) }, strict)),
      retry: Type.Optional(
        Type.Object(
          {
            attempts: Type.Integer({ minimum: 0, maximum: 10 }),
            /** Upstream status codes that are retried (connect errors always are). */
            codes: Type.Optional(Type.Array(Type.Integer({ minimum: 400, maximum: 599 }), { maxItems: 32 })),
            backoff: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
          },
          strict,
        ),
      ),
    },
    strict,
  ),
);

export const VirtualHost = Named(
  'VirtualHost',
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 512 }),
      /** Exact names or `*.suffix` wildcards; `*` (or an empty list) catches every host. */
      hostnames: Type.Array(Hostname, { maxItems: 256 }),
      /**
       * Fallthrough boundary. When no route of the most specific matching host matches, less specific
       * hosts are tried only while they share this scope (the translator sets the Gateway listener's
       * hostname, which keeps listeners isolated). Absent: all such hosts share one scope.
       */
      scope: Type.Optional(Type.String({ maxLength: 512 })),
      /** Any order: the router sorts them by Gateway API precedence; ties keep document order. */
      routes: Type.Array(Route),
    },
    strict,
  ),
);

export const Certificate = Named(
  'Certificate',
  Type.Object(
    {
      /** SNI names this certificate serves (exact or `*.suffix`); the first certificate is the default. */
      hostnames: Type.Optional(Type.Array(Hostname, { maxItems: 256 })),
      certPem: Type.String({ minLength: 1, maxLength: 1_000_000 }),
      keyPem: Type.String({ minLength: 1, maxLength: 1_000_000 }),
    },
    strict,
  ),
);

/** A listener's own fields; its virtual hosts travel separately in a ConfigDelta. */
const listenerFields = {
  name: Type.String({ minLength: 1, maxLength: 512 }),
  /** IP address to bind (each Gateway gets its own); default 0.0.0.0. */
  address: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  port: Port,
  protocol: Type.Union([Type.Literal('HTTP'), Type.Literal('HTTPS')]),
  tls: Type.Optional(Type.Object({ certificates: Type.Array(Certificate, { minItems: 1, maxItems: 1024 }) }, strict)),
};

export const ListenerHeader = Named('ListenerHeader', Type.Object(listenerFields, strict));

export const Listener = Named('Listener', Type.Object({ ...listenerFields, virtualHosts: Type.Array(VirtualHost) }, strict));

export const Endpoint = Named(
  'Endpoint',
  Type.Object({ host: Type.String({ minLength: 1, maxLength: 253 }), port: Port, weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, strict),
);

export const Pool = Named(
  'Pool',
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 512 }),
      endpoints: Type.Array(Endpoint),
    },
    strict,
  ),
);

const Version = Type.String({ minLength: 1, maxLength: 128 });

export const RouterConfigSchema = Named(
  'RouterConfig',
  Type.Object(
    {
      /** Content hash of the document; the router computes it when absent. */
      version: Type.Optional(Version),
      listeners: Type.Array(Listener, { maxItems: 1024 }),
      pools: Type.Array(Pool),
    },
    strict,
  ),
);

/**
 * A change from one config version to the next (PATCH /config), so a change to one route does not
 * resend and recompile thousands. Virtual hosts and pools are replaced whole, by name; the router
 * applies the delta only on top of `baseVersion` (otherwise 412: send the whole config) and checks
 * that the result hashes to `version`, so both sides always hold the same document.
 */
export const ConfigDeltaSchema = Named(
  'ConfigDelta',
  Type.Object(
    {
      baseVersion: Version,
      version: Version,
      /**
       * When present: every listener of the new config, in order (listeners not in it are removed;
       * new ones start without virtual hosts). Absent: the listeners are unchanged.
       */
      listeners: Type.Optional(Type.Array(ListenerHeader, { maxItems: 1024 })),
      /** Virtual hosts added or replaced (by name, within their listener). */
      virtualHosts: Type.Optional(Type.Array(Type.Object({ listener: Type.String({ minLength: 1, maxLength: 512 }), virtualHost: VirtualHost }, strict))),
      removedVirtualHosts: Type.Optional(
        Type.Array(Type.Object({ listener: Type.String({ minLength: 1, maxLength: 512 }), name: Type.String({ minLength: 1, maxLength: 512 }) }, strict)),
      ),
      /** Pools added or replaced (by name). */
      pools: Type.Optional(Type.Array(Pool)),
      removedPools: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 512 }))),
    },
    strict,
  ),
);

/** The simple format of the original design (PUT /config with routes + pools + default_pool). */
export const SimpleConfigSchema = Named(
  'SimpleConfig',
  Type.Object(
    {
      routes: Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 512 }),
            match: Type.Object({ path_prefix: Type.Optional(Type.String({ minLength: 1 })), host: Type.Optional(Hostname) }, strict),
            pool: Type.String({ minLength: 1 }),
            strip_prefix: Type.Optional(Type.Boolean()),
          },
          strict,
        ),
      ),
      pools: Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            upstreams: Type.Array(Type.Object({ host: Type.String({ minLength: 1 }), port: Port }, strict)),
          },
          strict,
        ),
      ),
      default_pool: Type.Optional(Type.String({ minLength: 1 })),
    },
    strict,
  ),
);

export type RouterConfig = Static<typeof RouterConfigSchema>;
export type SimpleConfig = Static<typeof SimpleConfigSchema>;
export type ListenerConfig = Static<typeof Listener>;
export type ListenerHeaderConfig = Static<typeof ListenerHeader>;
export type ConfigDelta = Static<typeof ConfigDeltaSchema>;
export type VirtualHostConfig = Static<typeof VirtualHost>;
export type RouteConfig = Static<typeof Route>;
export type RouteMatchConfig = Static<typeof RouteMatch>;
export type FilterConfig = Static<typeof Filter>;
export type BackendFilterConfig = Static<typeof BackendFilter>;
export type RouteBackendConfig = Static<typeof RouteBackend>;
export type HeaderModifierConfig = Static<typeof HeaderModifier>;
export type PathModifierConfig = Static<typeof PathModifier>;
export type RequestRedirectConfig = Static<typeof RequestRedirect>;
export type UrlRewriteConfig = Static<typeof UrlRewrite>;
export type CertificateConfig = Static<typeof Certificate>;
export type PoolConfig = Static<typeof Pool>;
export type EndpointConfig = Static<typeof Endpoint>;
