/**
 * RequestHeaderModifier / ResponseHeaderModifier, compiled once per config (names lower-cased).
 * Gateway API semantics: `set` replaces, `add` appends to an existing value ("foo" + add "bar" ->
 * "foo,bar"), `remove` deletes; header names are case-insensitive.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderModifierConfig } from '../../contract/router-config.schema.js';

export interface CompiledHeaderModifier {
  readonly set: ReadonlyArray<readonly [name: string, value: string]>;
  readonly add: ReadonlyArray<readonly [name: string, value: string]>;
  readonly remove: readonly string[];
}

export function compileHeaderModifier(config: HeaderModifierConfig): CompiledHeaderModifier {
  return {
    set: (config.set ?? []).map((h) => [h.name.toLowerCase(), h.value] as const),
    add: (config.add ?? []).map((h) => [h.name.toLowerCase(), h.value] as const),
    remove: (config.remove ?? []).map((n) => n.toLowerCase()),
  };
}

/** Applies to node's parsed request headers (already lower-case keys) in place. */
export function modifyRequestHeaders(headers: IncomingHttpHeaders, mod: CompiledHeaderModifier): void {
  for (let i = 0; i < mod.set.length; i++) headers[mod.set[i][0]] = mod.set[i][1];
  for (let i = 0; i < mod.add.length; i++) {
    const [name, value] = mod.add[i];
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (Array.isArray(existing)) headers[name] = [...existing, value];
    else headers[name] = `${existing},${value}`;
  }
  for (let i = 0; i < mod.remove.length; i++) delete headers[mod.remove[i]];
}

/**
 * Applies to a flat [name, value, name, value, ...] response header list (original name case kept),
 * in place. Set-Cookie additions stay separate lines (they cannot be comma-joined).
 */
export function modifyResponseHeaders(raw: string[], mod: CompiledHeaderModifier): void {
  for (let i = 0; i < mod.set.length; i++) {
    removeRaw(raw, mod.set[i][0]);
    raw.push(mod.set[i][0], mod.set[i][1]);
  }
  for (let i = 0; i < mod.add.length; i++) {
    const [name, value] = mod.add[i];
    const at = name === 'set-cookie' ? -1 : lastIndexOfRaw(raw, name);
    if (at === -1) raw.push(name, value);
    else raw[at + 1] = `${raw[at + 1]},${value}`;
  }
  for (let i = 0; i < mod.remove.length; i++) removeRaw(raw, mod.remove[i]);
}

function lastIndexOfRaw(raw: string[], lowerName: string): number {
  for (let i = raw.length - 2; i >= 0; i -= 2) if (raw[i].toLowerCase() === lowerName) return i;
  return -1;
}

function removeRaw(raw: string[], lowerName: string): void {
  let w = 0;
  for (let r = 0; r < raw.length; r += 2) {
    if (raw[r].toLowerCase() === lowerName) continue;
    raw[w] = raw[r];
    raw[w + 1] = raw[r + 1];
    w += 2;
  }
  raw.length = w;
}
