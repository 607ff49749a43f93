/**
 * Which objects of one kind changed between two translations, found without looking at the unchanged
 * ones: the provider keeps an unchanged object where it was in its kind's list (a new one goes to the
 * end, a deleted one leaves a gap), so only the stretch between the runs of identical items at both
 * ends is compared. The index by key is edited by that stretch instead of being built again.
 */
import { changedStretch } from '../contract/config-delta.js';
import { objectKey } from './objects.js';
import type { KubeObject } from './translator.types.js';

/** One object that is new, gone or replaced: `before`/`after` are undefined for new/gone. */
export interface ObjectChange<T extends KubeObject = KubeObject> {
  key: string;
  before: T | undefined;
  after: T | undefined;
}

export class KindTracker<T extends KubeObject = KubeObject> {
  private list: readonly T[] | undefined;
  private readonly byKey = new Map<string, T>();

  /** The objects by namespace/name as of the last update() (edited in place: read it before the next one). */
  get index(): ReadonlyMap<string, T> {
    return this.byKey;
  }

  /** Takes the kind's current list; returns what changed since the last one (nothing for the same list). */
  update(list: readonly T[]): ObjectChange<T>[] {
    if (list === this.list) return [];
    const before = this.list ?? [];
    this.list = list;
    const { start, endBefore, endAfter } = changedStretch(before, list);
    const gone = new Map<string, T>();
    for (let i = start; i < endBefore; i++) gone.set(objectKey(before[i]!), before[i]!);
    const changes: ObjectChange<T>[] = [];
    for (let i = start; i < endAfter; i++) {
      const after = list[i]!;
      const key = objectKey(after);
      const was = gone.get(key);
      gone.delete(key);
      // An object that only moved within the stretch is unchanged.
      if (was !== after) changes.push({ key, before: was ?? this.byKey.get(key), after });
      this.byKey.set(key, after);
    }
    for (const [key, was] of gone) {
      // Its key may have come back elsewhere in the list (then it was handled above).
      if (this.byKey.get(key) !== was) continue;
      this.byKey.delete(key);
      changes.push({ key, before: was, after: undefined });
    }
    return changes;
  }
}
