/**
 * The CRDs' CEL rules (`x-kubernetes-validations`), evaluated as the API server does: on the defaulted
 * object, with `self` the value at the rule's place, integers as CEL ints (the schema says which), and
 * property names CEL reserves escaped (`namespace` -> `__namespace__`). Transition rules (those reading
 * `oldSelf`) only apply to updates; a file is always a create, so they are skipped, as on create.
 */
import { Environment } from '@marcbachmann/cel-js';

/** A schema node as JSON (TypeBox schemas are JSON Schema plus the CRD's x-kubernetes-* options). */
export type JsonSchema = Record<string, unknown>;

export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
}

const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });

type Program = (context: Record<string, unknown>) => unknown;
const programs = new Map<string, Program | Error>();

/**
 * cel-js refuses `has()` over an index (`has(self.matches[0].path)`, valid CEL): the same test on a
 * map, `'path' in self.matches[0]`, is what it means for JSON objects.
 */
export function rewriteForCelJs(rule: string): string {
  return rule.replace(/has\(([A-Za-z_][\w.]*\[[^\]()]*\][\w.[\]]*)\.(\w+)\)/g, "('$2' in $1)");
}

function program(rule: string): Program | Error {
  let p = programs.get(rule);
  if (!p) {
    try {
      p = env.parse(rewriteForCelJs(rule)) as Program;
    } catch (err) {
      p = err as Error;
    }
    programs.set(rule, p);
  }
  return p;
}

/** Why cel-js cannot compile a rule (undefined: it can). */
export function celCompileError(rule: string): string | undefined {
  const p = program(rule);
  return p instanceof Error ? p.message.split('\n')[0] : undefined;
}

// https://kubernetes.io/docs/reference/using-api/cel/#escaping
const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

function escapeProperty(name: string): string {
  if (RESERVED.has(name)) return `__${name}__`;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

/** The value as CEL sees it: integers (per the schema) as bigint, struct property names escaped. */
export function celValue(schema: JsonSchema, value: unknown): unknown {
  if (typeof value === 'number') {
    const intSchema = schema.type === 'integer' || (schema.anyOf as JsonSchema[] | undefined)?.some((s) => s.type === 'integer');
    return intSchema && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => celValue((schema.items as JsonSchema | undefined) ?? {}, v));
  if (value && typeof value === 'object') {
    const props = schema.properties as Record<string, JsonSchema> | undefined;
    const map = (schema.patternProperties as Record<string, JsonSchema> | undefined)?.['^(.*)$'];
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (props) out[escapeProperty(k)] = celValue(props[k] ?? {}, v);
      else out[k] = celValue(map ?? {}, v);
    }
    return out;
  }
  return value;
}

export interface CelFailure {
  /** Extra path below the rule's place (the rule's fieldPath), e.g. `.tls`. */
  fieldPath: string;
  message: string;
}

/** Runs the rules at one place of the object; returns the failures (a rule that errors fails, as in the API server). */
export function checkRules(rules: readonly CelRule[], schema: JsonSchema, value: unknown): CelFailure[] {
  const failures: CelFailure[] = [];
  let self: unknown;
  for (const r of rules) {
    if (/\boldSelf\b/.test(r.rule)) continue;
    const p = program(r.rule);
    const fieldPath = r.fieldPath ?? '';
    if (p instanceof Error) {
      failures.push({ fieldPath, message: `rule ${JSON.stringify(r.rule)} does not compile here: ${p.message.split('\n')[0]}` });
      continue;
    }
    self ??= celValue(schema, value);
    let ok: unknown;
    try {
      ok = p({ self });
    } catch (err) {
      failures.push({ fieldPath, message: `${r.message ?? `failed rule: ${r.rule}`} (${(err as Error).message.split('\n')[0]})` });
      continue;
    }
    if (ok !== true) failures.push({ fieldPath, message: r.message ?? `failed rule: ${r.rule}` });
  }
  return failures;
}
