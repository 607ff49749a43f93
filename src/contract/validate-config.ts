/**
 * Validation of router config documents at the router's door (and in the control plane before a push).
 * Ajv compiles the TypeBox schema once; a failure names the JSON path of the most specific problem.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { RouterConfigSchema, SimpleConfigSchema, type RouterConfig, type SimpleConfig } from './router-config.schema.js';
import { fromSimpleConfig, type SimpleConfigDefaults } from './simple-config.js';
import { withVersion } from './config-version.js';

const ajv = new Ajv({ allErrors: false, strict: false });
// Compiled on first use: the router's traffic workers import this module (for ConfigValidationError)
// but never validate, and compiling costs ~0.5 s and ~15 MB per process.
let routerConfigCheck: ValidateFunction<RouterConfig> | undefined;
let simpleConfigCheck: ValidateFunction<SimpleConfig> | undefined;
const checkRouterConfig = (): ValidateFunction<RouterConfig> => (routerConfigCheck ??= ajv.compile<RouterConfig>(RouterConfigSchema));
const checkSimpleConfig = (): ValidateFunction<SimpleConfig> => (simpleConfigCheck ??= ajv.compile<SimpleConfig>(SimpleConfigSchema));

export class ConfigValidationError extends Error {
  constructor(
    /** JSON pointer of the first problem, e.g. `/listeners/0/port` (empty for the document itself). */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path || '/'}: ${reason}`);
    this.name = 'ConfigValidationError';
  }
}

/** Ajv reports every branch of a union; the deepest path is the one a human wants to read. */
function mostSpecific(errors: ErrorObject[]): ErrorObject {
  return errors.reduce((best, e) => (e.instancePath.length > best.instancePath.length ? e : best), errors[0]);
}

function describe(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return `unknown field "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'required') return `missing required field "${String(e.params.missingProperty)}"`;
  return e.message ?? e.keyword;
}

function fail(errors: ErrorObject[] | null | undefined): never {
  const e = mostSpecific(errors ?? []);
  if (!e) throw new ConfigValidationError('', 'invalid document');
  throw new ConfigValidationError(e.instancePath, describe(e));
}

/** Semantic checks the schema cannot express: names that must be unique or must resolve. */
function checkReferences(config: RouterConfig): void {
  const pools = new Set<string>();
  config.pools.forEach((pool, i) => {
    if (pools.has(pool.name)) throw new ConfigValidationError(`/pools/${i}/name`, `duplicate pool "${pool.name}"`);
    pools.add(pool.name);
  });
  const bound = new Set<string>();
  config.listeners.forEach((listener, li) => {
    const key = `${listener.address ?? '0.0.0.0'}:${listener.port}`;
    if (bound.has(key)) throw new ConfigValidationError(`/listeners/${li}/port`, `two listeners bind ${key}`);
    bound.add(key);
    if (listener.protocol === 'HTTPS' && !listener.tls) {
      throw new ConfigValidationError(`/listeners/${li}/tls`, 'HTTPS listener needs tls.certificates');
    }
    listener.virtualHosts.forEach((vhost, vi) => {
      vhost.routes.forEach((route, ri) => {
        const at = `/listeners/${li}/virtualHosts/${vi}/routes/${ri}`;
        route.backends.forEach((b, bi) => {
          if (b.pool !== undefined && !pools.has(b.pool)) {
            throw new ConfigValidationError(`${at}/backends/${bi}/pool`, `unknown pool "${b.pool}"`);
          }
        });
        route.filters?.forEach((f, fi) => {
          if (f.type === 'RequestMirror' && !pools.has(f.requestMirror.pool)) {
            throw new ConfigValidationError(`${at}/filters/${fi}/requestMirror/pool`, `unknown pool "${f.requestMirror.pool}"`);
          }
        });
        checkRegexes(route, at);
      });
    });
  });
}

function checkRegex(pattern: string, path: string): void {
  try {
    new RegExp(pattern);
  } catch (err) {
    throw new ConfigValidationError(path, `invalid regular expression: ${(err as Error).message}`);
  }
}

function checkRegexes(route: RouterConfig['listeners'][number]['virtualHosts'][number]['routes'][number], at: string): void {
  const m = route.match;
  if (m.path?.type === 'RegularExpression') checkRegex(m.path.value, `${at}/match/path/value`);
  m.headers?.forEach((h, i) => h.type === 'RegularExpression' && checkRegex(h.value, `${at}/match/headers/${i}/value`));
  m.queryParams?.forEach((q, i) => q.type === 'RegularExpression' && checkRegex(q.value, `${at}/match/queryParams/${i}/value`));
}

/** Validates a full config document and returns it with its version set. Throws ConfigValidationError. */
export function parseRouterConfig(body: unknown): RouterConfig {
  const check = checkRouterConfig();
  if (!check(body)) fail(check.errors);
  checkReferences(body);
  return withVersion(body);
}

/** True when the body looks like the original design's simple format (routes/pools/default_pool). */
export function isSimpleConfig(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'routes' in body && !('listeners' in body);
}

/** Accepts either format (PUT /config); the simple one maps onto one HTTP listener. */
export function parseAnyConfig(body: unknown, defaults: SimpleConfigDefaults): RouterConfig {
  if (!isSimpleConfig(body)) return parseRouterConfig(body);
  const check = checkSimpleConfig();
  if (!check(body)) fail(check.errors);
  return parseRouterConfig(fromSimpleConfig(body, defaults));
}
