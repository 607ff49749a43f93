/**
 * Validates a Gateway API object against the pinned release's CRD schema (src/gateway-api/generated/),
 * the way the API server would before storing it: defaults applied first, then unknown fields rejected
 * (strict field validation), types, required fields, enums, patterns, lengths and sizes (TypeBox's
 * compiled checker), then what TypeBox does not know: `x-kubernetes-list-type` map keys and sets
 * unique, the address oneOf, and the CEL rules (cel.ts). Paths are written as the API server writes
 * them: `spec.listeners[1].name`.
 */
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { isIP } from 'node:net';
import { checkRules, type CelRule } from './cel.js';
import { GATEWAY_API_KINDS } from './generated/index.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export type GatewayApiKindName = keyof typeof GATEWAY_API_KINDS;

// The string formats the CRDs use (TypeBox refuses a format it has no checker for).
const FORMATS: Record<string, (v: string) => boolean> = {
  'date-time': (v) => /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.test(v) && !Number.isNaN(Date.parse(v)),
  ipv4: (v) => isIP(v) === 4,
  ipv6: (v) => isIP(v) === 6,
};
for (const [name, check] of Object.entries(FORMATS)) if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);

export interface SchemaProblem {
  /** Where, as the API server writes it: `spec.listeners[1].name` (empty: the object itself). */
  path: string;
  message: string;
}

export interface ValidationResult<T> {
  /** The defaulted object, when valid. */
  object?: T;
  problems: SchemaProblem[];
}

export function isGatewayApiKind(kind: string): kind is GatewayApiKindName {
  return Object.prototype.hasOwnProperty.call(GATEWAY_API_KINDS, kind);
}

const checkers = new Map<TSchema, TypeCheck<TSchema>>();
function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = checkers.get(schema);
  if (!c) checkers.set(schema, (c = TypeCompiler.Compile(schema)));
  return c;
}

/** `/spec/listeners/1/name` -> `spec.listeners[1].name`, reading the value to tell indexes from keys. */
export function fieldPath(pointer: string, value: unknown): string {
  let out = '';
  let at: unknown = value;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at)) out += `[${part}]`;
    else out += out ? `.${part}` : part;
    at = at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined;
  }
  return out;
}

function describe(e: ValueError, value: unknown): SchemaProblem {
  const path = fieldPath(e.path, value);
  const literals = (e.schema.anyOf as TSchema[] | undefined)?.map((s) => s.const);
  if (e.type === ValueErrorType.ObjectAdditionalProperties || (e.type === ValueErrorType.Never && e.message === 'Unexpected property')) {
    return { path, message: `unknown field "${path}"` };
  }
  if (e.type === ValueErrorType.Union && literals?.every((l) => typeof l === 'string')) {
    return { path, message: `Unsupported value: ${JSON.stringify(e.value)}: supported values: ${literals.map((l) => JSON.stringify(l)).join(', ')}` };
  }
  if (e.type === ValueErrorType.ObjectRequiredProperty) return { path, message: 'Required value' };
  return { path, message: `Invalid value: ${JSON.stringify(e.value)?.slice(0, 80)}: ${e.message.replace(/^Expected/, 'expected')}` };
}

/** Value-only `oneOf` of the address types: IPAddress values must be IP addresses. */
function matchesValueSchema(s: Record<string, unknown>, v: unknown): boolean {
  if (Array.isArray(s.enum) && !s.enum.includes(v)) return false;
  if (s.not && matchesValueSchema(s.not as Record<string, unknown>, v)) return false;
  if (Array.isArray(s.anyOf) && !s.anyOf.some((x) => matchesValueSchema(x as Record<string, unknown>, v))) return false;
  if (typeof s.format === 'string' && typeof v === 'string' && FORMATS[s.format] && !FORMATS[s.format](v)) return false;
  if (s.properties && v && typeof v === 'object') {
    for (const [k, sub] of Object.entries(s.properties as Record<string, Record<string, unknown>>)) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && !matchesValueSchema(sub, x)) return false;
    }
  }
  return true;
}

/** The x-kubernetes-* rules and CEL, over a value that already passed the structural check. */
function checkExtensions(schema: TSchema, value: unknown, path: string, out: SchemaProblem[]): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    const listType = schema['x-kubernetes-list-type'];
    const keys = schema['x-kubernetes-list-map-keys'] as string[] | undefined;
    if (listType === 'map' || listType === 'set') {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const id = listType === 'map' && keys ? JSON.stringify(Object.fromEntries(keys.map((k) => [k, (item as Record<string, unknown>)[k]]))) : JSON.stringify(item);
        if (seen.has(id)) out.push({ path: `${path}[${i}]`, message: `Duplicate value: ${id}` });
        seen.add(id);
      });
    }
    value.forEach((item, i) => checkExtensions(schema.items as TSchema, item, `${path}[${i}]`, out));
  } else if (typeof value === 'object') {
    const props = schema.properties as Record<string, TSchema> | undefined;
    const map = (schema.patternProperties as Record<string, TSchema> | undefined)?.['^(.*)$'];
    for (const [k, v] of Object.entries(value)) {
      const sub = props ? props[k] : map;
      if (sub) checkExtensions(sub, v, path ? `${path}.${k}` : k, out);
    }
    const oneOf = schema.oneOf as Record<string, unknown>[] | undefined;
    if (oneOf && oneOf.filter((s) => matchesValueSchema(s, value)).length !== 1) {
      out.push({ path, message: `Invalid value: ${JSON.stringify(value)}: must match exactly one of the schemas in oneOf (an IPAddress value must be an IP address)` });
    }
  }
  const rules = schema['x-kubernetes-validations'] as CelRule[] | undefined;
  if (rules) for (const f of checkRules(rules, schema, value)) out.push({ path: `${path}${f.fieldPath}`, message: `Invalid value: ${f.message}` });
}

const MAX_PROBLEMS = 5;

/**
 * Validates one object of a Gateway API kind (apiVersion, kind and metadata included). The object is
 * not modified; the result carries a defaulted copy when it is valid.
 */
export function validateGatewayApiObject<K extends GatewayApiKindName>(kind: K, value: unknown): ValidationResult<(typeof GATEWAY_API_KINDS)[K]['schema']['static']> {
  const spec = GATEWAY_API_KINDS[kind];
  const apiVersion = (value as { apiVersion?: unknown } | null)?.apiVersion;
  const version = typeof apiVersion === 'string' && apiVersion.startsWith(`${GATEWAY_GROUP}/`) ? apiVersion.slice(GATEWAY_GROUP.length + 1) : undefined;
  if (!version || !(spec.versions as readonly string[]).includes(version)) {
    return { problems: [{ path: 'apiVersion', message: `Unsupported value: ${JSON.stringify(apiVersion)}: supported values: ${spec.versions.map((v) => `"${GATEWAY_GROUP}/${v}"`).join(', ')}` }] };
  }
  const defaulted = Value.Default(spec.schema, structuredClone(value)) as unknown;
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of checker(spec.schema).Errors(defaulted)) {
    // One problem per place: a union that fails also fails each of its members.
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    problems.push(describe(e, defaulted));
    if (problems.length === MAX_PROBLEMS) break;
  }
  if (problems.length === 0) checkExtensions(spec.schema, defaulted, '', problems);
  return problems.length ? { problems: problems.slice(0, MAX_PROBLEMS) } : { object: defaulted as never, problems };
}

/** `spec.listeners[1]: Duplicate value: {"name":"http"}; ...` */
export function formatProblems(problems: readonly SchemaProblem[]): string {
  return problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
}
