/**
 * The identity rule, enforced in tests: every incremental cache keys on object identity (docs/ARCHITECTURE.md,
 * "Identity caches"), so an object, once built or received, is never edited in place. With
 * SERVAL_FREEZE_INPUTS=1 (set by vitest.config.ts and vitest.k8s.config.ts; never in production, where
 * this is one constant test per snapshot or config) the pipeline deep-freezes what it hands on: each
 * provider's snapshot and each accepted router config. An in-place edit then throws a TypeError (ES
 * modules are strict) in whichever test makes it.
 */
const FREEZE = process.env.SERVAL_FREEZE_INPUTS === '1';

/** `value`, deep-frozen when the test switch is on. */
export function freezeInTests<T>(value: T): T {
  if (FREEZE) deepFreeze(value);
  return value;
}

/** Freezes `value` and everything it reaches. A frozen object is taken to be frozen through (we freeze bottom-up). */
export function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  if (ArrayBuffer.isView(value)) return; // typed arrays with elements cannot be frozen
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<string | symbol, unknown>)[key]);
  Object.freeze(value);
}
