/**
 * HTTPRoute status.parents: one entry per parentRef naming a Gateway of ours. Entries written by other
 * controllers are carried over untouched; our entries for parents the route no longer names are dropped.
 */
import { condition, mergeConditions, type NewCondition } from '../conditions.js';
import type { RouteParentStatus } from '../../gateway-api/types.js';
import type { HTTPRoute, ObjectStatus } from '../translator.types.js';
import { normalizeParentRef, parentRefKey, type ParentResult } from './attachment.js';
import type { TranslatedRoute } from './rules.js';

/** The HTTPRoute parent condition types this controller writes. */
export const OWNED_TYPES: ReadonlySet<string> = new Set(['Accepted', 'ResolvedRefs', 'PartiallyInvalid']);

/** Accepted for one parent, after rule validity: a route whose every rule is invalid is not accepted. */
export function routeAccepted(parent: ParentResult, translated: TranslatedRoute): { ok: boolean; reason: string; message: string } {
  if (!parent.accepted.ok) return parent.accepted;
  const invalid = translated.invalidRules;
  if (translated.ruleCount > 0 && invalid.length === translated.ruleCount) {
    return { ok: false, reason: 'UnsupportedValue', message: invalid.map((r) => `rule ${r.index}: ${r.messages.join('; ')}`).join('; ') };
  }
  return parent.accepted;
}

function parentConditions(parent: ParentResult, translated: TranslatedRoute, generation: number | undefined): NewCondition[] {
  const accepted = routeAccepted(parent, translated);
  const out = [condition('Accepted', accepted.ok, accepted.reason, accepted.message, generation)];
  const problems = translated.refProblems;
  out.push(
    problems.length === 0
      ? condition('ResolvedRefs', true, 'ResolvedRefs', 'All references resolved', generation)
      : condition('ResolvedRefs', false, problems[0].reason, problems.map((p) => p.message).join('; '), generation),
  );
  const invalid = translated.invalidRules;
  if (accepted.ok && invalid.length > 0) {
    const message = `Dropped Rule(s): ${invalid.map((r) => `rule ${r.index} (${r.messages.join('; ')})`).join(', ')}; requests they match get 500`;
    out.push(condition('PartiallyInvalid', true, 'UnsupportedValue', message, generation));
  }
  return out;
}

export function httpRouteStatus(
  route: HTTPRoute,
  parents: readonly ParentResult[],
  translated: TranslatedRoute,
  controllerName: string,
  now: string,
): ObjectStatus | undefined {
  const routeNs = route.metadata.namespace ?? 'default';
  const previous = route.status?.parents ?? [];
  const foreign = previous.filter((p) => p?.controllerName !== controllerName);
  const ours = new Map<string, RouteParentStatus>();
  for (const p of previous) if (p?.controllerName === controllerName && p.parentRef) ours.set(parentRefKey(normalizeParentRef(p.parentRef, routeNs)), p);
  if (parents.length === 0 && ours.size === 0) return undefined;

  const generation = route.metadata.generation;
  const entries = parents.map((parent) => ({
    parentRef: parent.parentRef,
    controllerName,
    conditions: mergeConditions(ours.get(parentRefKey(parent.parentRef))?.conditions, parentConditions(parent, translated, generation), OWNED_TYPES, now),
  }));
  return {
    kind: 'HTTPRoute',
    namespace: routeNs,
    name: route.metadata.name,
    status: { parents: [...foreign, ...entries] },
  };
}
