/** HTTPRoute matches -> router matches (defaults filled in, regexes checked once here). */
import { regexProblem as re2Problem } from '../../contract/regex.js';
import type { RouteMatchConfig } from '../../contract/router-config.schema.js';
import type { HTTPRouteMatch, HTTPRouteRule } from '../../gateway-api/types.js';

export interface MatchResult {
  match: RouteMatchConfig;
  problem?: string;
}

/** The router refuses what RE2 cannot compile (or too large a program): the match is dropped, the rule reported. */
function regexProblem(pattern: string, where: string): string | undefined {
  const problem = re2Problem(pattern);
  return problem === undefined ? undefined : `${where}: regular expression "${pattern}" is not supported (RE2: ${problem})`;
}

export function translateMatch(m: HTTPRouteMatch): MatchResult {
  const match: RouteMatchConfig = {};
  const problems: (string | undefined)[] = [];
  const path = m?.path ?? {};
  match.path = { type: path.type ?? 'PathPrefix', value: path.value ?? '/' };
  if (match.path.type === 'RegularExpression') problems.push(regexProblem(match.path.value, 'path'));
  if (m?.headers?.length) {
    match.headers = m.headers.map((h) => ({ type: h.type ?? 'Exact', name: h.name, value: h.value }));
    for (const h of match.headers!) if (h.type === 'RegularExpression') problems.push(regexProblem(h.value, `header ${h.name}`));
  }
  if (m?.queryParams?.length) {
    match.queryParams = m.queryParams.map((q) => ({ type: q.type ?? 'Exact', name: q.name, value: q.value }));
    for (const q of match.queryParams!) if (q.type === 'RegularExpression') problems.push(regexProblem(q.value, `query param ${q.name}`));
  }
  if (m?.method) match.method = m.method;
  const problem = problems.find((p) => p !== undefined);
  return problem ? { match, problem } : { match };
}

/** A rule without matches matches every request (PathPrefix "/"). */
export function ruleMatches(rule: HTTPRouteRule): HTTPRouteMatch[] {
  return rule.matches?.length ? rule.matches : [{}];
}
