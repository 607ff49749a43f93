/**
 * Request matching inside one virtual host, with Gateway API precedence and a lookup cost that does
 * not grow with the number of routes:
 *   1. Exact path: one Map lookup of the request path;
 *   2. RegularExpression paths (longest pattern first; the only linear part, as in every implementation),
 *      full matches in RE2 (contract/regex.ts): each costs at most linear time in the path's length;
 *   3. PathPrefix: one Map lookup per "/" boundary of the request path, longest prefix first.
 * Inside each bucket, routes are pre-sorted: method > most header matches > most query matches >
 * document order (the translator orders by creation time, then name). Exact > RegularExpression >
 * PathPrefix follows Envoy Gateway and nginx-gateway-fabric.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { compileRegex, type LinearRegex } from '../../contract/regex.js';
import type { RouteMatchConfig } from '../../contract/router-config.schema.js';
import type { HostIndex } from './host-index.js';
import { prefixKey } from './paths.js';

/** Plain constants, not a const enum: SWC compiles files one at a time and cannot inline those. */
export const PathKind = { Exact: 0, Regex: 1, Prefix: 2 } as const;
export type PathKind = (typeof PathKind)[keyof typeof PathKind];

export interface CompiledStringMatch {
  /** Lower-cased for headers; exact (case-sensitive) for query parameters. */
  readonly name: string;
  readonly exact: string | undefined;
  readonly regex: LinearRegex | undefined;
}

/** The matching half of a compiled route; the action half lives in compile-route.ts. */
export interface Matchable {
  readonly pathKind: PathKind;
  /** Exact: the path; Prefix: the key (no trailing slash, "" for "/"); Regex: the source pattern. */
  readonly pathKey: string;
  /** Length of the configured path value: the "most characters" precedence rule. */
  readonly pathLength: number;
  readonly pathRegex: LinearRegex | undefined;
  readonly method: string | undefined;
  readonly headers: readonly CompiledStringMatch[];
  readonly query: readonly CompiledStringMatch[];
  /** Position in the document, the final tie-breaker. */
  readonly order: number;
}

export function compileMatch(match: RouteMatchConfig, order: number): Matchable {
  const path = match.path ?? ROOT_PREFIX;
  const pathKind = path.type === 'Exact' ? PathKind.Exact : path.type === 'RegularExpression' ? PathKind.Regex : PathKind.Prefix;
  const headers =
    match.headers === undefined || match.headers.length === 0
      ? NONE
      : dedupeByName(match.headers, true).map((h) => compileString(h.name.toLowerCase(), h.type, h.value));
  const query =
    match.queryParams === undefined || match.queryParams.length === 0
      ? NONE
      : dedupeByName(match.queryParams, false).map((q) => compileString(q.name, q.type, q.value));
  return {
    pathKind,
    pathKey: pathKind === PathKind.Prefix ? prefixKey(path.value) : path.value,
    pathLength: path.value.length,
    pathRegex: pathKind === PathKind.Regex ? compileRegex(path.value) : undefined,
    method: match.method,
    headers,
    query,
    order,
  };
}

const ROOT_PREFIX = { type: 'PathPrefix', value: '/' } as const;
const NONE: readonly CompiledStringMatch[] = Object.freeze([]);

/** Spec: when several entries name the same header/parameter, only the first one counts. */
function dedupeByName<T extends { name: string }>(entries: T[], caseInsensitive: boolean): T[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = caseInsensitive ? e.name.toLowerCase() : e.name;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function compileString(name: string, type: 'Exact' | 'RegularExpression' | undefined, value: string): CompiledStringMatch {
  return type === 'RegularExpression'
    ? { name, exact: undefined, regex: compileRegex(value) }
    : { name, exact: value, regex: undefined };
}

/** Precedence inside a bucket (negative: a first). */
export function comparePrecedence(a: Matchable, b: Matchable): number {
  return (
    b.pathLength - a.pathLength ||
    (b.method === undefined ? 0 : 1) - (a.method === undefined ? 0 : 1) ||
    b.headers.length - a.headers.length ||
    b.query.length - a.query.length ||
    a.order - b.order
  );
}

export class RouteIndex<R extends Matchable> {
  /** The virtual host's fallthrough scope (see VirtualHost.scope in the wire contract). */
  scope: string | undefined;
  private readonly exact = new Map<string, R[]>();
  private readonly prefix = new Map<string, R[]>();
  private regex: R[] = [];
  private maxPrefixLength = -1;
  private sealed = false;

  add(route: R): void {
    if (this.sealed) throw new Error('RouteIndex is sealed');
    if (route.pathKind === PathKind.Exact) push(this.exact, route.pathKey, route);
    else if (route.pathKind === PathKind.Prefix) {
      push(this.prefix, route.pathKey, route);
      if (route.pathKey.length > this.maxPrefixLength) this.maxPrefixLength = route.pathKey.length;
    } else this.regex.push(route);
  }

  /** Sorts every bucket once; the index is read-only afterwards. */
  seal(): this {
    for (const list of this.exact.values()) list.sort(comparePrecedence);
    for (const list of this.prefix.values()) list.sort(comparePrecedence);
    this.regex.sort(comparePrecedence);
    this.sealed = true;
    return this;
  }

  /** The winning route for a normalized path (query string: "" or "?a=b"), or undefined. */
  match(method: string | undefined, path: string, query: string, headers: IncomingHttpHeaders): R | undefined {
    const lazy: LazyQuery = { raw: query, parsed: undefined };
    const exact = this.exact.get(path);
    if (exact !== undefined) {
      const hit = firstMatching(exact, method, headers, lazy);
      if (hit !== undefined) return hit;
    }
    for (let i = 0; i < this.regex.length; i++) {
      const r = this.regex[i];
      if (r.pathRegex!.test(path) && matchesRest(r, method, headers, lazy)) return r;
    }
    if (this.maxPrefixLength === -1) return undefined;
    // Candidate keys, longest first: the path itself (unless it ends with "/"), then each "/" boundary.
    let end = path.length;
    if (path.charCodeAt(end - 1) !== 47 && end <= this.maxPrefixLength) {
      const list = this.prefix.get(path);
      if (list !== undefined) {
        const hit = firstMatching(list, method, headers, lazy);
        if (hit !== undefined) return hit;
      }
    }
    while (end > 0) {
      end = path.lastIndexOf('/', end - 1);
      if (end < 0) break;
      if (end > this.maxPrefixLength) continue;
      const list = this.prefix.get(end === 0 ? '' : path.slice(0, end));
      if (list !== undefined) {
        const hit = firstMatching(list, method, headers, lazy);
        if (hit !== undefined) return hit;
      }
    }
    return undefined;
  }
}

function push<R>(map: Map<string, R[]>, key: string, route: R): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [route]);
  else list.push(route);
}

interface LazyQuery {
  raw: string;
  parsed: URLSearchParams | undefined;
}

function firstMatching<R extends Matchable>(list: R[], method: string | undefined, headers: IncomingHttpHeaders, query: LazyQuery): R | undefined {
  for (let i = 0; i < list.length; i++) if (matchesRest(list[i], method, headers, query)) return list[i];
  return undefined;
}

function matchesRest(r: Matchable, method: string | undefined, headers: IncomingHttpHeaders, query: LazyQuery): boolean {
  if (r.method !== undefined && r.method !== method) return false;
  for (let i = 0; i < r.headers.length; i++) {
    const m = r.headers[i];
    const value = headers[m.name];
    if (value === undefined) return false;
    const text = Array.isArray(value) ? value.join(',') : value;
    if (m.exact !== undefined ? text !== m.exact : !m.regex!.test(text)) return false;
  }
  if (r.query.length !== 0) {
    if (query.raw.length <= 1) return false;
    const params = (query.parsed ??= new URLSearchParams(query.raw));
    for (let i = 0; i < r.query.length; i++) {
      const m = r.query[i];
      const value = params.get(m.name);
      if (value === null) return false;
      if (m.exact !== undefined ? value !== m.exact : !m.regex!.test(value)) return false;
    }
  }
  return true;
}

interface RouteQuery {
  /** Scope of the most specific host visited; less specific hosts outside it are skipped. */
  scope: string | undefined;
  scoped: boolean;
  method: string | undefined;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
}

function matchInHost<R extends Matchable>(index: RouteIndex<R>, q: RouteQuery): R | undefined {
  if (!q.scoped) {
    q.scoped = true;
    q.scope = index.scope;
  } else if (index.scope !== q.scope) {
    return undefined;
  }
  return index.match(q.method, q.path, q.query, q.headers);
}

/**
 * The route for a request on one listener. Gateway API ranks hostname specificity first, but only
 * among rules that match: a request no rule of its exact host matches falls through to the
 * wildcard hosts (longest suffix first), then to the catch-all, staying inside the most specific
 * host's scope (its Gateway listener). Cost: O(host labels x path segments).
 */
export function findRoute<R extends Matchable>(
  hosts: HostIndex<RouteIndex<R>>,
  host: string,
  method: string | undefined,
  path: string,
  query: string,
  headers: IncomingHttpHeaders,
): R | undefined {
  return hosts.find(host, matchInHost<R>, { scope: undefined, scoped: false, method, path, query, headers });
}
