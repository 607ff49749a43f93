/**
 * Golden-file helpers for translator tests: `<case>.in.yaml` (multi-document YAML of Kubernetes objects,
 * plus an optional `kind: TranslatorOptions` document) -> `<case>.out.yaml` (router config + statuses).
 *
 * Every object is checked strictly against its kind's schema (the pinned CRDs, the same check standalone
 * applies), so a typo in a fixture fails instead of quietly becoming another case. A fixture object the
 * API server would refuse on purpose (to exercise the translator's own defences) says so in a comment
 * just before it, `# api-server-rejects: <the problems, as reported>`, and must be refused with exactly that.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments, stringify } from 'yaml';
import { SUPPORTED_FEATURES } from '../../src/translator/translate.js';
import { formatProblems, isGatewayApiKind, validateGatewayApiObject } from '../../src/gateway-api/validate.js';
import { coreObjectProblems } from '../../src/providers/files/core-objects.js';
import type { KubeObject, ResourceSnapshot, TranslationResult, TranslatorOptions } from '../../src/translator/translator.types.js';

export const DEFAULT_OPTIONS: TranslatorOptions = {
  controllerName: 'serval.dev/gateway-controller',
  gatewayAddresses: ['127.0.10.1', '127.0.10.2'],
  now: '2026-01-01T00:00:00Z',
};

const LISTS: Record<string, keyof ResourceSnapshot> = {
  GatewayClass: 'gatewayClasses',
  Gateway: 'gateways',
  HTTPRoute: 'httpRoutes',
  ReferenceGrant: 'referenceGrants',
  Service: 'services',
  EndpointSlice: 'endpointSlices',
  Secret: 'secrets',
  Namespace: 'namespaces',
};

export function emptySnapshot(): ResourceSnapshot {
  return { gatewayClasses: [], gateways: [], httpRoutes: [], referenceGrants: [], services: [], endpointSlices: [], secrets: [], namespaces: [] };
}

/** Why the API server would refuse `obj` ('' when it would store it); `defaulted` gets the stored form. */
export function schemaProblems(obj: { kind?: unknown; metadata?: { name?: unknown } }, defaulted?: (o: KubeObject) => void): string {
  if (typeof obj.metadata?.name !== 'string') return 'metadata.name: Required value';
  if (typeof obj.kind === 'string' && isGatewayApiKind(obj.kind)) {
    const result = validateGatewayApiObject(obj.kind, obj);
    if (result.object) defaulted?.(result.object);
    return formatProblems(result.problems);
  }
  defaulted?.(obj as KubeObject);
  return coreObjectProblems(String(obj.kind), obj).join('; ');
}

const REJECTS = /^\s*api-server-rejects: (.*)$/m;

/**
 * `defaults: true` gives the objects as the API server stores them (CRD defaults applied), for the check
 * that the translator's own defaulting gives the same result.
 */
export function loadCase(path: string, { defaults = false } = {}): { snapshot: ResourceSnapshot; options: TranslatorOptions } {
  const snapshot = emptySnapshot();
  let options = { ...DEFAULT_OPTIONS };
  const lines = new LineCounter();
  for (const doc of parseAllDocuments(readFileSync(path, 'utf8'), { lineCounter: lines })) {
    if (doc.errors.length) throw new Error(`${path}: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (!obj) continue;
    if (obj.kind === 'TranslatorOptions') {
      const { kind: _kind, ...rest } = obj;
      options = { ...options, ...rest };
      continue;
    }
    const list = LISTS[obj.kind];
    if (!list) throw new Error(`${path}: unexpected kind ${obj.kind}`);
    let stored = obj as KubeObject;
    const problems = schemaProblems(obj, (o) => (stored = o));
    const expected = REJECTS.exec(`${doc.commentBefore ?? ''}\n${doc.contents?.commentBefore ?? ''}`)?.[1] ?? '';
    if (problems !== expected) {
      const { line } = lines.linePos(doc.contents?.range?.[0] ?? 0);
      throw new Error(`${path}:${line}: ${obj.kind} ${obj.metadata?.name}: ${problems ? `the API server would refuse it: ${problems}` : 'valid'}${expected ? ` (expected: ${expected})` : ''}`);
    }
    // Checked against the schema of the kind this list holds.
    (snapshot[list] as KubeObject[]).push(defaults && !problems ? stored : (obj as KubeObject));
  }
  return { snapshot, options };
}

function shorten(key: string, value: unknown): unknown {
  if ((key === 'certPem' || key === 'keyPem') && typeof value === 'string') {
    return `<${key === 'certPem' ? 'certificate' : 'private key'} sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}>`;
  }
  if (key === 'supportedFeatures' && JSON.stringify(value) === JSON.stringify(SUPPORTED_FEATURES.map((name) => ({ name })))) {
    return '<SUPPORTED_FEATURES, each as {name}>';
  }
  return redact(value);
}

/**
 * Long values that say nothing to a reader are shortened: PEMs become a digest, the supported
 * features list (checked on its own in translate.test.ts) a marker.
 */
function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(k, v)]));
  return value;
}

const KIND_ORDER: Record<string, number> = { GatewayClass: 0, Gateway: 1, HTTPRoute: 2 };

/** Statuses by kind, namespace and name, so a golden file reads the same whatever the route order. */
export function renderResult(result: TranslationResult): string {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const statuses = [...result.statuses].sort((a, b) => KIND_ORDER[a.kind]! - KIND_ORDER[b.kind]! || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name));
  return stringify(redact({ ...result, statuses }), { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Deterministic Fisher-Yates shuffle (mulberry32), for the input-order independence check. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
