/**
 * One HTTPRoute's rules -> router routes, once per route (the same routes go to every listener the
 * route attaches to). Each (rule, match) becomes one router route `<ns>/<route>/rule<i>/match<j>`.
 * A rule that cannot be served as written (unsupported filter or value) still claims its matches but
 * answers 500, so its traffic never falls through to a less specific rule.
 */
import type { RouteBackendConfig, RouteConfig } from '../../contract/router-config.schema.js';
import type { BackendResolution, BackendResolver } from '../backends/backends.js';
import { parseDuration } from '../duration.js';
import type { HTTPRouteRule } from '../../gateway-api/types.js';
import type { HTTPRoute } from '../translator.types.js';
import { translateBackendFilters, translateFilters } from './filters.js';
import { ruleMatches, translateMatch } from './matches.js';

const MAX_TIMEOUT_MS = 86_400_000;
const MAX_BACKOFF_MS = 60_000;
const MAX_ATTEMPTS = 10;

/** No reference to the route object: memoized rules outlive it (a status write replaces the object). */
export interface TranslatedRoute {
  namespace: string;
  /** Router routes in rule, then match order. */
  routes: RouteConfig[];
  /** Pools the routes use (register when placed on a listener). */
  pools: string[];
  /** Rules that cannot be served as written, with why. */
  invalidRules: { index: number; messages: string[] }[];
  ruleCount: number;
  /** Backend references that could not be resolved (ResolvedRefs=False). */
  refProblems: NonNullable<BackendResolution['problem']>[];
}

function timeout(value: unknown, field: string, unsupported: string[]): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) {
    unsupported.push(`timeouts.${field}: "${String(value)}" is not a duration`);
    return undefined;
  }
  return ms === 0 ? undefined : Math.min(ms, MAX_TIMEOUT_MS); // 0s disables the timeout
}

function timeouts(rule: HTTPRouteRule, unsupported: string[]): RouteConfig['timeouts'] {
  const request = timeout(rule.timeouts?.request, 'request', unsupported);
  const backendRequest = timeout(rule.timeouts?.backendRequest, 'backendRequest', unsupported);
  if (request === undefined && backendRequest === undefined) return undefined;
  const out: NonNullable<RouteConfig['timeouts']> = {};
  if (request !== undefined) out.request = request;
  if (backendRequest !== undefined) out.backendRequest = backendRequest;
  return out;
}

function retry(rule: HTTPRouteRule, unsupported: string[]): RouteConfig['retry'] {
  const r = rule.retry;
  if (!r) return undefined;
  const out: NonNullable<RouteConfig['retry']> = { attempts: Math.max(0, Math.min(MAX_ATTEMPTS, r.attempts ?? 1)) };
  if (r.codes?.length) {
    const codes = r.codes.filter((c) => Number.isInteger(c) && c >= 400 && c <= 599);
    if (codes.length !== r.codes.length) unsupported.push('retry.codes: only 400-599 are supported');
    out.codes = codes;
  }
  if (r.backoff !== undefined) {
    const ms = parseDuration(r.backoff);
    if (ms === undefined) unsupported.push(`retry.backoff: "${String(r.backoff)}" is not a duration`);
    else out.backoff = Math.min(ms, MAX_BACKOFF_MS);
  }
  return out;
}

export function translateRules(route: HTTPRoute, backends: BackendResolver): TranslatedRoute {
  const namespace = route.metadata.namespace ?? 'default';
  const out: TranslatedRoute = { namespace, routes: [], pools: [], invalidRules: [], ruleCount: 0, refProblems: [] };
  // The CRD defaults absent rules to one rule matching every path (no backends: 500); files get the same.
  const rules: HTTPRouteRule[] = route.spec?.rules ?? [{}];
  out.ruleCount = rules.length;

  rules.forEach((rule, i) => {
    const unsupported: string[] = [];
    const filters = translateFilters(rule.filters, namespace, backends);
    unsupported.push(...filters.unsupported);
    out.refProblems.push(...filters.refProblems);

    const ruleBackends: RouteBackendConfig[] = [];
    const pools = [...filters.pools];
    for (const ref of rule.backendRefs ?? []) {
      const resolved = backends.resolve(ref, namespace);
      if (resolved.pool) pools.push(resolved.pool);
      else out.refProblems.push(resolved.problem!);
      const backendFilters = translateBackendFilters(ref.filters, unsupported);
      // Key order is fixed so equal input gives byte-identical output.
      ruleBackends.push({
        ...(resolved.pool ? { pool: resolved.pool } : {}),
        weight: ref.weight ?? 1,
        ...(backendFilters.length ? { filters: backendFilters } : {}),
      });
    }
    const ruleTimeouts = timeouts(rule, unsupported);
    const ruleRetry = retry(rule, unsupported);

    const matches = ruleMatches(rule).map(translateMatch);
    for (const m of matches) if (m.problem) unsupported.push(m.problem);
    if (unsupported.length) out.invalidRules.push({ index: i, messages: unsupported });

    matches.forEach((m, j) => {
      if (m.problem) return; // the router would reject the document: this match is dropped
      const name = `${namespace}/${route.metadata.name}/rule${i}/match${j}`;
      if (unsupported.length) {
        out.routes.push({ name, match: m.match, backends: [] }); // answers 500
        return;
      }
      out.routes.push({
        name,
        match: m.match,
        ...(filters.filters.length ? { filters: filters.filters } : {}),
        backends: ruleBackends,
        ...(ruleTimeouts ? { timeouts: ruleTimeouts } : {}),
        ...(ruleRetry ? { retry: ruleRetry } : {}),
      });
    });
    if (!unsupported.length) out.pools.push(...pools);
  });
  return out;
}
