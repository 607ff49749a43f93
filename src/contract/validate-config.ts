/**
 * Validation of router config documents at the router's door (and in the control plane before a push).
 * TypeBox compiles its own schema into a checker (a fraction of Ajv's memory, which matters in a router
 * that should stay small); a failure names the JSON path of the most specific problem.
 *
 * A document is checked in pieces: its outline (listeners' own fields), then each virtual host and
 * pool. A piece that passed once is remembered (documents are immutable, and unchanged pieces stay
 * the same objects from one version to the next), so validating a config that differs from the last
 * one in a few routes costs those routes, not thousands.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import {
  ConfigDeltaSchema,
  ListenerHeader,
  Pool,
  RouterConfigSchema,
  SimpleConfigSchema,
  VirtualHost,
  type ConfigDelta,
  type RouterConfig,
  type VirtualHostConfig,
} from './router-config.schema.js';
import { regexProblem } from './regex.js';
import { fromSimpleConfig, type SimpleConfigDefaults } from './simple-config.js';
import { configVersion, withVersion } from './config-version.js';
import { applyConfigDelta, changedStretch, ConfigDeltaMismatchError } from './config-delta.js';
import { freezeInTests } from './freeze.js';

/** The document with its virtual hosts and pools left unchecked (they are checked one by one). */
const ConfigOutline = Type.Object(
  {
    ...RouterConfigSchema.properties,
    listeners: Type.Array(Type.Object({ ...ListenerHeader.properties, virtualHosts: Type.Array(Type.Unknown()) }, { additionalProperties: false }), {
      maxItems: RouterConfigSchema.properties.listeners.maxItems,
    }),
    pools: Type.Array(Type.Unknown()),
  },
  { additionalProperties: false },
);

// Compiled on first use: the router's traffic workers import this module (for ConfigValidationError)
// but never validate.
const compiled = new Map<TSchema, TypeCheck<TSchema>>();
function checker<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = compiled.get(schema);
  if (!check) compiled.set(schema, (check = TypeCompiler.Compile(schema)));
  return check as TypeCheck<T>;
}

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

function fail(check: TypeCheck<TSchema>, value: unknown, at = ''): never {
  const found = mostSpecific(check.Errors(value));
  if (!found) throw new ConfigValidationError(at, 'invalid document');
  const e = { ...found, path: at + found.path };
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

/**
 * Lists of pieces that passed a check as a whole, and the last one per place (a listener's index, or
 * the pool list). A new list is mostly the last one with a stretch changed (the same objects at both
 * ends): only that stretch is visited, instead of thousands of pieces with a lookup each.
 */
class CheckedLists {
  private readonly checked = new WeakSet<readonly unknown[]>();
  private readonly last = new Map<string, readonly unknown[]>();

  /** Calls `check` for each item of `list` that is not where it was in a list that passed. */
  visitNew<T>(place: string, list: readonly T[], check: (item: T, index: number) => void): void {
    if (this.checked.has(list)) return;
    const previous = this.last.get(place);
    const { start, endAfter } = previous ? changedStretch<unknown>(previous, list) : { start: 0, endAfter: list.length };
    for (let i = start; i < endAfter; i++) check(list[i]!, i);
    this.checked.add(list);
    this.last.set(place, list);
  }
}

/**
 * What validation remembers between documents (docs/ARCHITECTURE.md, "Identity caches"): pieces and
 * lists that passed, keyed by the objects themselves, so it holds only because a document and its
 * pieces are never mutated once built or received (SERVAL_FREEZE_INPUTS freezes them in tests). One per
 * stream of documents: the control plane's TranslationService owns one, the router process another
 * (ROUTER_VALIDATION). Two streams sharing one would stay correct but lose the "last list" shortcuts.
 */
export class ValidationCache {
  /** Virtual hosts and pools that passed every check (schema, regular expressions). */
  readonly validPieces = new WeakSet<object>();
  /** Lists of pieces that passed the schema checks, and the last one per place. */
  readonly schemaChecked = new CheckedLists();
  /** The last set of pool names, kept as the same Set while the names stay the same, and the lists checked against it. */
  knownPools: { signature: string; names: Set<string>; lists: CheckedLists } | undefined;
  /** Virtual hosts whose pool references resolved, and the pool-name Set they resolved in. */
  readonly resolvedIn = new WeakMap<object, Set<string>>();

  /** The piece passed its checks before (pieces are immutable). */
  passed(piece: unknown): boolean {
    return typeof piece === 'object' && piece !== null && this.validPieces.has(piece);
  }
}

/** The router process's: its admin door (PUT/POST, --config) and ConfigApplier's deltas are one stream of documents. */
export const ROUTER_VALIDATION = new ValidationCache();

/** Checks one virtual host (schema, then what the schema cannot express) unless it passed before. */
function checkVirtualHost(vhost: unknown, at: string, cache: ValidationCache): void {
  if (cache.passed(vhost)) return;
  const check = checker(VirtualHost);
  if (!check.Check(vhost)) fail(check, vhost, at);
  const names = new Set<string>();
  vhost.routes.forEach((route, ri) => {
    // Names key metrics, logs and the admin views: two routes of one host under one name cannot be told apart.
    if (names.has(route.name)) throw new ConfigValidationError(`${at}/routes/${ri}/name`, `duplicate route "${route.name}" in this virtual host`);
    names.add(route.name);
    checkRegexes(route, `${at}/routes/${ri}`);
  });
  cache.validPieces.add(vhost);
}

function checkPool(pool: unknown, at: string, cache: ValidationCache): void {
  if (cache.passed(pool)) return;
  const check = checker(Pool);
  if (!check.Check(pool)) fail(check, pool, at);
  cache.validPieces.add(pool);
}

/** Schema checks of a whole document, piece by piece, in document order. */
function checkDocument(body: unknown, cache: ValidationCache): asserts body is RouterConfig {
  const outline = checker(ConfigOutline);
  if (!outline.Check(body)) fail(outline, body);
  // passed() first: building thousands of JSON paths for pieces that passed before costs more than the checks.
  body.listeners.forEach((l, li) =>
    cache.schemaChecked.visitNew(`${li}`, l.virtualHosts, (v, vi) => cache.passed(v) || checkVirtualHost(v, `/listeners/${li}/virtualHosts/${vi}`, cache)),
  );
  cache.schemaChecked.visitNew('pools', body.pools, (p, pi) => cache.passed(p) || checkPool(p, `/pools/${pi}`, cache));
}

/** Semantic checks across pieces: names that must be unique or must resolve. */
function checkReferences(config: RouterConfig, cache: ValidationCache): void {
  let pools = new Set<string>();
  config.pools.forEach((pool, i) => {
    if (pools.has(pool.name)) throw new ConfigValidationError(`/pools/${i}/name`, `duplicate pool "${pool.name}"`);
    pools.add(pool.name);
  });
  const signature = [...pools].join('\n');
  const known = cache.knownPools?.signature === signature ? cache.knownPools : (cache.knownPools = { signature, names: pools, lists: new CheckedLists() });
  pools = known.names;
  const lists = known.lists;
  const resolvedIn = cache.resolvedIn;
  const bound = new Set<string>();
  const listenerNames = new Set<string>();
  config.listeners.forEach((listener, li) => {
    if (listenerNames.has(listener.name)) throw new ConfigValidationError(`/listeners/${li}/name`, `duplicate listener "${listener.name}"`);
    listenerNames.add(listener.name);
    const key = `${listener.address ?? '0.0.0.0'}:${listener.port}`;
    if (bound.has(key)) throw new ConfigValidationError(`/listeners/${li}/port`, `two listeners bind ${key}`);
    bound.add(key);
    if (listener.protocol === 'HTTPS' && !listener.tls) {
      throw new ConfigValidationError(`/listeners/${li}/tls`, 'HTTPS listener needs tls.certificates');
    }
    lists.visitNew(`${li}`, listener.virtualHosts, (vhost, vi) => {
      if (resolvedIn.get(vhost) === pools) return;
      checkPoolReferences(vhost, pools, `/listeners/${li}/virtualHosts/${vi}`);
      resolvedIn.set(vhost, pools);
    });
  });
}

function checkPoolReferences(vhost: VirtualHostConfig, pools: ReadonlySet<string>, vhostAt: string): void {
  vhost.routes.forEach((route, ri) => {
    const at = `${vhostAt}/routes/${ri}`;
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
  });
}

/** RE2 syntax and size, as the router will compile it (src/contract/regex.ts). */
function checkRegex(pattern: string, path: string): void {
  const problem = regexProblem(pattern);
  if (problem !== undefined) throw new ConfigValidationError(path, `invalid regular expression: ${problem}`);
}

function checkRegexes(route: RouterConfig['listeners'][number]['virtualHosts'][number]['routes'][number], at: string): void {
  const m = route.match;
  if (m.path?.type === 'RegularExpression') checkRegex(m.path.value, `${at}/match/path/value`);
  m.headers?.forEach((h, i) => h.type === 'RegularExpression' && checkRegex(h.value, `${at}/match/headers/${i}/value`));
  m.queryParams?.forEach((q, i) => q.type === 'RegularExpression' && checkRegex(q.value, `${at}/match/queryParams/${i}/value`));
}

/**
/**
 * A version in a body must be its content's: a document edited after GET /config and sent back with
 * its old version would otherwise be taken for the live one (`changed: false`) and the edit dropped.
 * Refused rather than silently recomputed: a sender that hashes differently (the controller) must hear
 * it, not loop on full pushes of a version the router never reports. Hashing a fresh document costs
 * about what validating it does; pieces hashed here are memoized for the deltas that follow.
 */
function checkVersion(config: RouterConfig): void {
  if (config.version === undefined) return;
  const version = configVersion(config);
  if (config.version !== version) {
    throw new ConfigValidationError('/version', `version "${config.version}" does not match the document's content (which hashes to "${version}"): leave "version" out to have it computed`);
  }
}

/** Validates a full config document without its version (the translator's own check). Throws ConfigValidationError. */
export function checkRouterConfig(body: unknown, cache: ValidationCache = ROUTER_VALIDATION): asserts body is RouterConfig {
  checkDocument(body, cache);
  checkReferences(body, cache);
}

/**
 * Validates a full config document and returns it with its version set (deep-frozen under
 * SERVAL_FREEZE_INPUTS: an accepted config is never edited). Throws ConfigValidationError.
 */
export function parseRouterConfig(body: unknown, cache: ValidationCache = ROUTER_VALIDATION): RouterConfig {
  checkRouterConfig(body, cache);
  checkVersion(body);
  return freezeInTests(withVersion(body));
}

/**
 * Validates a delta (PATCH /config) and returns the document it makes of `base`. Throws
 * ConfigValidationError for a bad body, ConfigDeltaMismatchError when it does not fit `base` or the
 * result does not hash to the version it claims (the sender should then send the whole config).
 */
export function parseConfigDelta(base: RouterConfig, body: unknown, cache: ValidationCache = ROUTER_VALIDATION): RouterConfig {
  const check = checker(ConfigDeltaSchema);
  if (!check.Check(body)) fail(check, body);
  const delta: ConfigDelta = body;
  delta.virtualHosts?.forEach((e, i) => checkVirtualHost(e.virtualHost, `/virtualHosts/${i}/virtualHost`, cache));
  delta.pools?.forEach((p, i) => checkPool(p, `/pools/${i}`, cache));
  const config = applyConfigDelta(base, delta);
  checkReferences(config, cache);
  const version = configVersion(config);
  if (version !== delta.version) throw new ConfigDeltaMismatchError(`the delta makes version ${version} of version ${delta.baseVersion}, not ${delta.version}`);
  return freezeInTests(config);
}

/** True when the body looks like the original design's simple format (routes/pools/default_pool). */
export function isSimpleConfig(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'routes' in body && !('listeners' in body);
}

/** Accepts either format (PUT /config); the simple one maps onto one HTTP listener. */
export function parseAnyConfig(body: unknown, defaults: SimpleConfigDefaults, cache: ValidationCache = ROUTER_VALIDATION): RouterConfig {
  if (!isSimpleConfig(body)) return parseRouterConfig(body, cache);
  const check = checker(SimpleConfigSchema);
  if (!check.Check(body)) fail(check, body);
  return parseRouterConfig(fromSimpleConfig(body, defaults), cache);
}
