/**
 * RegularExpression matches (path, header, query): RE2 syntax, full-match semantics, linear time.
 * One home for the router (compile once per config), the validator at its door and the translator,
 * so a pattern is accepted or refused the same way everywhere.
 *
 * The engine is re2js (a pure-JS port of RE2/Go regexp: no backtracking, no native build, nothing
 * downloaded at install). Its cost for one match is at most proportional to input length x program
 * size, so both are bounded here: a pattern that compiles to more than MAX_REGEX_PROGRAM
 * instructions is refused (Envoy refuses RE2 programs over 100 by default), and a value longer
 * than MAX_REGEX_INPUT never matches. Each compiled pattern's lazy DFA cache is held to
 * DFA_BUDGET_BYTES: re2js's 8 MiB default lets one crafted pattern hold 8 MiB per route and spend
 * ~0.5 s filling it on one 16 KiB header before it falls back to its NFA.
 */
import { RE2JS, RE2JSException } from 're2js';

/** Most instructions a compiled pattern may have (`^/v2/[a-z]+/\d+$` has 13, a UUID 60-70). */
export const MAX_REGEX_PROGRAM = 200;
/** Longest value a pattern is tried on, in UTF-16 units: the default --max-header-size, which already bounds every value by default. */
export const MAX_REGEX_INPUT = 16_384;
/** Memory of one pattern's DFA state cache; past it re2js resets the cache or falls back to its NFA. */
export const DFA_BUDGET_BYTES = 256 * 1024;

export class RegexError extends Error {
  constructor(
    readonly pattern: string,
    /** The engine's own words, e.g. "error parsing regexp: invalid escape sequence: `\1`". */
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'RegexError';
  }
}

/** A compiled pattern; `test` is a full match (the whole value), like Envoy's RE2 matcher. */
export interface LinearRegex {
  readonly source: string;
  test(value: string): boolean;
}

class Re2Regex implements LinearRegex {
  constructor(
    readonly source: string,
    private readonly re: RE2JS,
  ) {}

  test(value: string): boolean {
    return value.length <= MAX_REGEX_INPUT && this.re.testExact(value);
  }
}

/** Compiles `pattern` (RE2 syntax, case-sensitive, no flags) or throws RegexError. */
export function compileRegex(pattern: string): LinearRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(withoutEdgeAnchors(pattern));
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    throw new RegexError(pattern, syntaxError(pattern) ?? err.message);
  }
  const size = re.programSize();
  if (size > MAX_REGEX_PROGRAM) {
    throw new RegexError(pattern, `pattern too large: compiles to ${size} RE2 instructions, at most ${MAX_REGEX_PROGRAM} allowed`);
  }
  capDfa(re);
  return new Re2Regex(pattern, re);
}

/**
 * A full match makes a leading `^` and a trailing `$` redundant, and re2js runs `^…$` patterns on
 * its one-pass engine, ~3x slower than its DFA: so they are dropped before compiling, where they are
 * certainly anchors (`^` first and not repeated; `$` last and not escaped; no `\Q…\E` quoting).
 */
export function withoutEdgeAnchors(pattern: string): string {
  if (pattern.includes('\\Q')) return pattern;
  const start = pattern.startsWith('^') && pattern.length > 1 && !'*+?{'.includes(pattern[1]!) ? 1 : 0;
  let end = pattern.length;
  if (end - start > 0 && pattern.endsWith('$')) {
    let backslashes = 0;
    while (end - 2 - backslashes >= start && pattern[end - 2 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) end--;
  }
  return pattern.slice(start, end);
}

/** RE2's words for the pattern as written (the one compiled may lack its edge anchors). */
function syntaxError(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (err) {
    return err instanceof RE2JSException ? err.message : undefined;
  }
}

/** The reason `pattern` is refused, or undefined when it compiles. */
export function regexProblem(pattern: string): string | undefined {
  try {
    compileRegex(pattern);
    return undefined;
  } catch (err) {
    if (err instanceof RegexError) return err.reason;
    throw err;
  }
}

/**
 * re2js builds its DFA on first use with a fixed 8 MiB budget; one empty match makes it now (the
 * patterns that never use it, one-pass and literal ones, make none), and the budget is cut to ours.
 */
function capDfa(re: RE2JS): void {
  re.testExact('');
  const dfa = re.re2().lazyDFA as RE2DFA | null;
  if (dfa === null) return;
  dfa.maxMem = DFA_BUDGET_BYTES;
  dfa.stateBudget = DFA_BUDGET_BYTES;
  dfa.memBudget = DFA_BUDGET_BYTES;
}

type RE2DFA = ReturnType<RE2JS['re2']>['lazyDFA'];

/** The DFA budget a compiled pattern runs with (undefined: it needs no DFA). For tests. */
export function dfaBudgetOf(regex: LinearRegex): number | undefined {
  if (!(regex instanceof Re2Regex)) return undefined;
  const dfa = regex['re'].re2().lazyDFA as RE2DFA | null;
  return dfa === null ? undefined : dfa.stateBudget;
}
