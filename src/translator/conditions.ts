/**
 * Kubernetes metav1.Condition helpers. The translator builds the conditions it owns, then merges them
 * into the existing list: foreign condition types are kept untouched and in place, and a condition whose
 * status did not change keeps its lastTransitionTime (so an unchanged object yields an unchanged status).
 */
import type { Generation } from './objects.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** A condition before merge: the time is decided by mergeConditions. */
export type NewCondition = Omit<Condition, 'lastTransitionTime'>;

export const EPOCH = '1970-01-01T00:00:00Z';

export function condition(type: string, status: boolean | ConditionStatus, reason: string, message: string, generation: Generation): NewCondition {
  const s: ConditionStatus = typeof status === 'boolean' ? (status ? 'True' : 'False') : status;
  return generation === undefined
    ? { type, status: s, reason, message }
    : { type, status: s, observedGeneration: generation, reason, message };
}

function isCondition(value: unknown): value is Condition {
  return typeof value === 'object' && value !== null && typeof (value as Condition).type === 'string';
}

/**
 * Merges `owned` (the types this controller is responsible for: `ownedTypes`) into `existing`.
 * Owned types absent from `owned` are removed; other types stay where they were.
 */
export function mergeConditions(
  existing: unknown,
  owned: readonly NewCondition[],
  ownedTypes: ReadonlySet<string>,
  now: string,
): Condition[] {
  const previous = Array.isArray(existing) ? existing.filter(isCondition) : [];
  const byType = new Map(previous.map((c) => [c.type, c]));
  const stamp = (c: NewCondition): Condition => {
    const old = byType.get(c.type);
    const lastTransitionTime = old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now;
    const { type, status, observedGeneration, reason, message } = c;
    return observedGeneration === undefined
      ? { type, status, lastTransitionTime, reason, message }
      : { type, status, observedGeneration, lastTransitionTime, reason, message };
  };
  const fresh = new Map(owned.map((c) => [c.type, c]));
  const out: Condition[] = [];
  for (const old of previous) {
    if (!ownedTypes.has(old.type)) out.push(old);
    else if (fresh.has(old.type)) {
      out.push(stamp(fresh.get(old.type)!));
      fresh.delete(old.type);
    }
  }
  for (const c of owned) if (fresh.has(c.type)) out.push(stamp(c));
  return out;
}
