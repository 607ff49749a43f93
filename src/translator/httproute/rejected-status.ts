/**
 * The status of an HTTPRoute the router would refuse (see output-guard.ts): on each parent of ours,
 * Accepted=False with reason UnsupportedValue (the spec's reason for a value the implementation cannot
 * use) and why; ResolvedRefs stays as the translator found it, PartiallyInvalid goes (nothing of the
 * route is served). Transition times come from the route's own status, so an unchanged verdict keeps
 * its time and causes no write.
 */
import { condition, mergeConditions, type Condition, type NewCondition } from '../conditions.js';
import type { HTTPRoute, ObjectStatus } from '../translator.types.js';
import { normalizeParentRef, parentRefKey, type ParentRef } from './attachment.js';
import { OWNED_TYPES } from './route-status.js';

interface ParentStatus {
  parentRef: ParentRef;
  controllerName: string;
  conditions: Condition[];
}

/** Remembered per translator status and reason: the same rejection gives the same status object. */
const rejected = new WeakMap<ObjectStatus, { message: string; out: ObjectStatus }>();

/** Our entry for `ref` in the route's status as it is now (what the API server holds), if any. */
function storedConditions(route: HTTPRoute | undefined, ref: ParentRef, controllerName: string): unknown {
  const parents: unknown = route?.status?.parents;
  if (!Array.isArray(parents)) return undefined;
  const ns = route!.metadata.namespace ?? 'default';
  const key = parentRefKey(ref);
  const entry = (parents as Partial<ParentStatus>[]).find((p) => p?.controllerName === controllerName && p.parentRef && parentRefKey(normalizeParentRef(p.parentRef, ns)) === key);
  return entry?.conditions;
}

function withoutTime(c: Condition): NewCondition {
  const { lastTransitionTime: _time, ...rest } = c;
  return rest;
}

export function rejectedRouteStatus(status: ObjectStatus, route: HTTPRoute | undefined, message: string, controllerName: string, now: string): ObjectStatus {
  const hit = rejected.get(status);
  if (hit?.message === message) return hit.out;
  const parents = (status.status.parents ?? []) as ParentStatus[];
  const entries = parents.map((p) => {
    if (p.controllerName !== controllerName) return p;
    const generation = p.conditions.find((c) => c.type === 'Accepted')?.observedGeneration;
    const owned = p.conditions
      .filter((c) => c.type !== 'PartiallyInvalid')
      .map((c) => (c.type === 'Accepted' ? condition('Accepted', false, 'UnsupportedValue', message, generation) : withoutTime(c)));
    const before = storedConditions(route, p.parentRef, controllerName) ?? p.conditions;
    return { ...p, conditions: mergeConditions(before, owned, OWNED_TYPES, now) };
  });
  const out: ObjectStatus = { ...status, status: { ...status.status, parents: entries } };
  rejected.set(status, { message, out });
  return out;
}
