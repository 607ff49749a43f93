/**
 * Keeps the hidden class (V8 map) of node's process.nextTick queue entries alive for the life of the
 * process. Imported first by the entry point: it must run before the first full GC.
 *
 * Why: nextTick builds each entry with an object literal keyed by computed symbols. V8 records the map
 * that literal produced, and when that map is later collected (a full GC at a moment when no
 * entry is queued; a config push makes such GCs likely) and rebuilt, the record turns generic for
 * good: every nextTick (about 24 per proxied request) then adds its properties in the V8 runtime,
 * 4-12% of the router's CPU in profiles, in some runs and not others. Holding one entry keeps that
 * map and its transitions from being collected.
 *
 * The entry is node's own, caught as it is made: node 24 added a third symbol (its AsyncContextFrame)
 * that no public object shares, so a look-alike built here (as for node 20) no longer matches.
 */
import { createHook } from 'node:async_hooks';

/** A nextTick queue entry: node's symbols, then `callback` and `args`. */
export interface TickObjectShape {
  readonly callback: () => void;
  readonly args: undefined;
}

function catchTickEntry(): TickObjectShape | undefined {
  let entry: TickObjectShape | undefined;
  // Enabled for one nextTick call only: init hooks cost every async operation while enabled.
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject') entry ??= resource as TickObjectShape;
    },
  }).enable();
  try {
    process.nextTick(noop);
  } finally {
    hook.disable();
  }
  // A node that stops reporting TickObject resources leaves nothing to keep (its test fails).
  return entry;
}

function noop(): void {}

export const tickObjectShape: TickObjectShape | undefined = catchTickEntry();
