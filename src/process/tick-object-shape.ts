/**
 * Keeps the hidden class (V8 map) of node's process.nextTick queue entries alive for the life of the
 * process. Imported first by the entry point: it must run before the first full GC.
 *
 * Why: nextTick builds each entry with an object literal keyed by two symbols. V8 records the map
 * that literal produced, and when that map is later collected (a full GC at a moment when no
 * entry is queued; a config push makes such GCs likely) and rebuilt, the record turns generic for
 * good: every nextTick (about 24 per proxied request) then adds its properties in the V8 runtime,
 * 4-12% of the router's CPU in profiles, in some runs and not others. An object of the same shape,
 * held here, keeps that map and its transitions from being collected.
 */
import { AsyncResource } from 'node:async_hooks';

/** Same keys, order, and field kinds (double, double, object, object) as node's tick entries. */
export interface TickObjectShape {
  readonly callback: () => void;
  readonly args: undefined;
}

function buildTickObjectShape(): TickObjectShape | undefined {
  // node's own async-id symbols are not exported; an AsyncResource carries both.
  const symbols = Object.getOwnPropertySymbols(new AsyncResource('serval-tick-object-shape'));
  const asyncId = symbols.find((s) => s.description === 'async_id_symbol');
  const triggerAsyncId = symbols.find((s) => s.description === 'trigger_async_id_symbol');
  // Another node version may name them differently: then there is nothing to keep.
  if (asyncId === undefined || triggerAsyncId === undefined) return undefined;
  // 0.5, not 0: node's entries store async ids as doubles, and the field kind is part of the map.
  return { [asyncId]: 0.5, [triggerAsyncId]: 0.5, callback: noop, args: undefined };
}

function noop(): void {}

export const tickObjectShape: TickObjectShape | undefined = buildTickObjectShape();
