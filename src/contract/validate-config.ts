/**
 * Validation of router config documents at the router's door (and in the control plane before a push).
 * TypeBox compiles its own schema into a checker (a fraction of Ajv's memory, which matters in a router
 * that should stay small); a failure names the JSON path of the most specific problem.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { RouterConfigSchema, SimpleConfigSchema, type RouterConfig, type SimpleConfig } from './router-config.schema.js';
import { fromSimpleConfig, type SimpleConfigDefaults } from './simple-config.js';
import { withVersion } from './config-version.js';

// Compiled on first use: the router's traffic workers import this module (for ConfigValidationError)
// but never validate.
let routerConfigCheck: TypeCheck<typeof RouterConfigSchema> | undefined;
let simpleConfigCheck: TypeCheck<typeof SimpleConfigSchema> | undefined;
const checkRouterConfig = (): TypeCheck<typeof RouterConfigSchema> => (routerConfigCheck ??= TypeCompiler.Compile(RouterConfigSchema));
const checkSimpleConfig = (): TypeCheck<typeof SimpleConfigSchema> => (simpleConfigCheck ??= TypeCompiler.Compile(SimpleConfigSchema));

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

/**
 * A union reports "Expected union value" with each branch's errors nested; the deepest path among
 * them is the one a human wants to read (the branch that got furthest).
 */
function mostSpecific(errors: Iterable<ValueError>): ValueError | undefined {
  let best: ValueError | undefined;
  for (const e of errors) {
    const nested = e.type === ValueErrorType.Union ? (e.errors.map((branch) => mostSpecific(branch)).filter(Boolean) as ValueError[]) : [];
    for (const candidate of [e, ...nested]) if (!best || candidate.path.length > best.path.length) best = candidate;
  }
  return best;
}

function fail(check: TypeCheck<TSchema>, value: unknown): never {
  const e = mostSpecific(check.Errors(value));
  if (!e) throw new ConfigValidationError('', 'invalid document');
  if (e.type === ValueErrorType.ObjectAdditionalProperties || e.message === 'Unexpected property') {
    const at = e.path.lastIndexOf('/');
    throw new ConfigValidationError(e.path.slice(0, at), `unknown field "${e.path.slice(at + 1)}"`);
  }
  if (e.type === ValueErrorType.ObjectRequiredProperty) {
    const at = e.path.lastIndexOf('/');
    throw new ConfigValidationError(e.path.slice(0, at), `missing required field "${e.path.slice(at + 1)}"`);
  }
  throw new ConfigValidationError(e.path, e.message.charAt(0).toLowerCase() + e.message.slice(1));
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
  if (!check.Check(body)) fail(check, body);
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
  if (!check.Check(body)) fail(check, body);
  return parseRouterConfig(fromSimpleConfig(body, defaults));
}
