/**
 * Every setting of every mode, in one schema: flags, environment variables, defaults, validation,
 * `--help` and the README's configuration reference are all derived from this table.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export type Mode = 'router' | 'controller' | 'standalone';

export interface SettingSpec {
  /** Command-line flag, without the leading dashes. */
  flag: string;
  /** Environment variable read when the flag is absent. */
  env: string;
  schema: TSchema;
  default?: unknown;
  modes: readonly Mode[];
  description: string;
  /** Never printed (logs, --help defaults, GET /config). */
  secret?: boolean;
}

const all = ['router', 'controller', 'standalone'] as const;
const routerSide = ['router', 'standalone'] as const;
const controlSide = ['controller', 'standalone'] as const;
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Millis = Type.Integer({ minimum: 0 });

export const SETTINGS = {
  logLevel: { flag: 'log-level', env: 'LOG_LEVEL', schema: Type.Union(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map((l) => Type.Literal(l))), default: 'info', modes: all, description: 'Log level (JSON logs on stdout).' },
  accessLog: { flag: 'access-log', env: 'ACCESS_LOG', schema: Type.Boolean(), default: false, modes: routerSide, description: 'Log one line per proxied request.' },
  accessLogSample: { flag: 'access-log-sample', env: 'ACCESS_LOG_SAMPLE', schema: Type.Number({ minimum: 0, maximum: 1 }), default: 1, modes: routerSide, description: 'Share of requests logged when --access-log is on (0-1).' },

  // Router admin API (data plane)
  adminAddress: { flag: 'admin-address', env: 'ADMIN_ADDRESS', schema: Type.String({ minLength: 1 }), default: '127.0.0.1', modes: routerSide, description: 'Address of the router admin API. A non-loopback address requires --admin-token.' },
  adminPort: { flag: 'admin-port', env: 'ADMIN_PORT', schema: Port, default: 9901, modes: routerSide, description: 'Port of the router admin API.' },
  adminToken: { flag: 'admin-token', env: 'ADMIN_TOKEN', schema: Type.String({ minLength: 16 }), modes: all, secret: true, description: 'Bearer token required for admin API changes (router) and sent with pushes (controller). At least 16 characters.' },
  adminBodyLimit: { flag: 'admin-body-limit', env: 'ADMIN_BODY_LIMIT', schema: Type.Integer({ minimum: 1024 }), default: 8 * 1024 * 1024, modes: routerSide, description: 'Largest admin API request body in bytes (larger: 413).' },

  // Router traffic
  workers: { flag: 'workers', env: 'WORKERS', schema: Type.Integer({ minimum: 1, maximum: 256 }), modes: routerSide, description: 'Traffic worker processes (node:cluster). Default: the CPU count.' },
  workerApplyTimeout: { flag: 'worker-apply-timeout', env: 'WORKER_APPLY_TIMEOUT_MS', schema: Type.Integer({ minimum: 100 }), default: 30_000, modes: ['router'], description: 'With 2+ workers: how long a traffic worker may take to put a config live, in ms. One that does not answer in time is killed and replaced, and the others go back to the previous config.' },
  simpleListenAddress: { flag: 'listen-address', env: 'LISTEN_ADDRESS', schema: Type.String({ minLength: 1 }), default: '0.0.0.0', modes: routerSide, description: 'Address of the HTTP listener the simple config format maps onto.' },
  simpleListenPort: { flag: 'listen-port', env: 'LISTEN_PORT', schema: Port, default: 8080, modes: routerSide, description: 'Port of the HTTP listener the simple config format maps onto.' },
  maxHeaderSize: { flag: 'max-header-size', env: 'MAX_HEADER_SIZE', schema: Type.Integer({ minimum: 1024, maximum: 1048576 }), default: 16384, modes: routerSide, description: 'Largest request header block in bytes (larger: 431).' },
  maxHeaderCount: { flag: 'max-header-count', env: 'MAX_HEADER_COUNT', schema: Type.Integer({ minimum: 8, maximum: 10000 }), default: 100, modes: routerSide, description: 'Most request headers accepted (more: 431).' },
  headersTimeout: { flag: 'headers-timeout', env: 'HEADERS_TIMEOUT_MS', schema: Millis, default: 10_000, modes: routerSide, description: 'Time a client has to send the request headers, in ms (slowloris guard), on the traffic listeners and the admin API.' },
  requestTimeout: { flag: 'client-request-timeout', env: 'CLIENT_REQUEST_TIMEOUT_MS', schema: Millis, default: 300_000, modes: routerSide, description: 'Time a client has to send a whole request, in ms (0: none), on the traffic listeners and the admin API.' },
  idleTimeout: { flag: 'idle-timeout', env: 'IDLE_TIMEOUT_MS', schema: Millis, default: 60_000, modes: routerSide, description: 'Keep-alive idle timeout of client connections (traffic listeners and admin API), in ms.' },
  upstreamConnectTimeout: { flag: 'upstream-connect-timeout', env: 'UPSTREAM_CONNECT_TIMEOUT_MS', schema: Type.Integer({ minimum: 1 }), default: 5_000, modes: routerSide, description: 'Time to connect to an endpoint before it counts as failed, in ms.' },
  upstreamTimeout: { flag: 'upstream-timeout', env: 'UPSTREAM_TIMEOUT_MS', schema: Type.Integer({ minimum: 1 }), default: 60_000, modes: routerSide, description: 'Default time an endpoint has to answer when the route sets no timeout, in ms (then 504).' },
  upstreamIdleTimeout: { flag: 'upstream-idle-timeout', env: 'UPSTREAM_IDLE_TIMEOUT_MS', schema: Millis, default: 60_000, modes: routerSide, description: 'When the route sets no timeout: longest silence of an endpoint in the middle of a response, in ms (504 when nothing was sent yet, else the client connection is cut; 0: none).' },
  ejectionTime: { flag: 'ejection-time', env: 'EJECTION_TIME_MS', schema: Type.Integer({ minimum: 1 }), default: 10_000, modes: routerSide, description: 'How long an endpoint that refused a connection stays out of rotation, in ms.' },
  drainTimeout: { flag: 'drain-timeout', env: 'DRAIN_TIMEOUT_MS', schema: Millis, default: 15_000, modes: all, description: 'On SIGTERM, time allowed for in-flight requests to finish, in ms.' },
  configFile: { flag: 'config', env: 'ROUTER_CONFIG', schema: Type.String({ minLength: 1 }), modes: ['router'], description: 'Router config (JSON) loaded at start, before any push.' },

  // Control plane
  controllerName: { flag: 'controller-name', env: 'CONTROLLER_NAME', schema: Type.String({ pattern: '^[a-z0-9.-]+/[A-Za-z0-9/._-]+$' }), default: 'serval.dev/gateway-controller', modes: controlSide, description: 'GatewayClass spec.controllerName this controller owns.' },
  dataPlaneUrl: { flag: 'data-plane-url', env: 'DATA_PLANE_URL', schema: Type.String({ minLength: 1 }), modes: ['controller'], description: 'Router admin URL(s), comma-separated, that receive each config.' },
  dataPlaneService: { flag: 'data-plane-service', env: 'DATA_PLANE_SERVICE', schema: Type.String({ pattern: '^[a-z0-9-]+/[a-z0-9-]+(:[0-9]+)?$' }), modes: ['controller'], description: 'namespace/name[:port] of the router Service whose ready endpoints receive each config (instead of DATA_PLANE_URL).' },
  kubeconfig: { flag: 'kubeconfig', env: 'KUBECONFIG', schema: Type.String({ minLength: 1 }), modes: ['controller'], description: 'Kubeconfig path; in-cluster ServiceAccount config when absent.' },
  controllerAddress: { flag: 'address', env: 'ADDRESS', schema: Type.String({ minLength: 1 }), default: '0.0.0.0', modes: ['controller'], description: 'Address of the controller API (/healthz, /readyz, /metrics, /config, /reload).' },
  controllerPort: { flag: 'port', env: 'PORT', schema: Port, default: 8081, modes: ['controller'], description: 'Port of the controller API.' },
  leaderElection: { flag: 'leader-election', env: 'LEADER_ELECTION', schema: Type.Boolean(), default: true, modes: ['controller'], description: 'Elect one leader among controller replicas with a Lease.' },
  leaseNamespace: { flag: 'lease-namespace', env: 'POD_NAMESPACE', schema: Type.String({ minLength: 1 }), default: 'serval-system', modes: ['controller'], description: 'Namespace of the leader-election Lease.' },
  leaseName: { flag: 'lease-name', env: 'LEASE_NAME', schema: Type.String({ minLength: 1 }), default: 'serval-gateway-leader', modes: ['controller'], description: 'Name of the leader-election Lease.' },
  leaseDuration: { flag: 'lease-duration', env: 'LEASE_DURATION_MS', schema: Type.Integer({ minimum: 1000 }), default: 15_000, modes: ['controller'], description: 'Lease duration in ms; a dead leader is replaced within it.' },
  identity: { flag: 'identity', env: 'POD_NAME', schema: Type.String({ minLength: 1 }), modes: ['controller'], description: 'This replica\'s leader-election identity. Default: hostname and pid.' },
  debounce: { flag: 'debounce', env: 'DEBOUNCE_MS', schema: Millis, default: 10, modes: controlSide, description: 'Batching window: a change after a quiet spell is translated at once; changes within this many ms of the last translation wait for the window and are translated together.' },
  leanHeap: { flag: 'lean-heap', env: 'LEAN_HEAP', schema: Type.Boolean(), default: true, modes: ['controller'], description: 'Keep the V8 heap near its live size: it grows 30% over what is live (--heap-growing-percent=30) instead of up to ~4x, for a little more GC work.' },
  resyncInterval: { flag: 'resync-interval', env: 'RESYNC_INTERVAL_MS', schema: Type.Integer({ minimum: 500 }), default: 10_000, modes: ['controller'], description: 'How often router replicas are checked for the current config version, in ms.' },
  gatewayAddresses: { flag: 'gateway-addresses', env: 'GATEWAY_ADDRESSES', schema: Type.String(), default: '', modes: controlSide, description: 'Comma-separated pool of IP addresses handed to Gateways (one each) for the router to bind. Empty: every Gateway binds 0.0.0.0 and reports --gateway-public-address or the --gateway-service address.' },
  gatewayPublicAddress: { flag: 'gateway-public-address', env: 'GATEWAY_PUBLIC_ADDRESS', schema: Type.String(), default: '', modes: controlSide, description: 'Address reported in Gateway status when no pool is set; overrides --gateway-service.' },
  gatewayService: { flag: 'gateway-service', env: 'GATEWAY_SERVICE', schema: Type.String({ pattern: '^[a-z0-9-]+/[a-z0-9-]+$' }), modes: ['controller'], description: 'namespace/name of the router\'s client-facing Service: when no pool and no --gateway-public-address are set, Gateways report its load balancer ingress (IP, or hostname as type Hostname) and externalIPs; none yet: AddressNotAssigned.' },

  // Standalone
  resources: { flag: 'resources', env: 'RESOURCES_DIR', schema: Type.String({ minLength: 1 }), default: 'examples', modes: ['standalone'], description: 'Folder of Gateway API YAML files (plus Services and EndpointSlices), watched for changes.' },
  demoBackend: { flag: 'demo-backend', env: 'DEMO_BACKEND', schema: Type.Boolean(), default: false, modes: ['standalone'], description: 'Start the demo echo backend the examples route to (127.0.0.1:3000).' },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;
export type Settings = { [K in SettingKey]: Static<(typeof SETTINGS)[K]['schema']> | ((typeof SETTINGS)[K] extends { default: unknown } ? never : undefined) } & { mode: Mode };
