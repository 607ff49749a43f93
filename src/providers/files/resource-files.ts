/**
 * Reads Gateway API objects (plus Service, EndpointSlice, Secret, Namespace) from YAML files: multi-document
 * files, each document one object or a `List`. Every problem names its file and line. Pure over the file
 * text, so the loader is testable without a file system.
 *
 * A file that is not YAML, or holds something that is not an object of a known kind with a name, is a
 * problem of the whole file. An object that fails its kind's schema (the pinned CRDs' for Gateway API
 * kinds, client-node's fields for core kinds) is refused alone, as the API server would refuse that one
 * object: the file's other objects still apply.
 */
import { isMap, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { formatProblems, isGatewayApiKind, validateGatewayApiObject } from '../../gateway-api/validate.js';
import type { KubeObject, ObjectMetadata, ResourceSnapshot } from '../../translator/translator.types.js';
import { coreObjectProblems } from './core-objects.js';

export const FILE_EXTENSIONS = ['.yaml', '.yml', '.json'];

interface KindSpec {
  group: string;
  key: keyof ResourceSnapshot;
  namespaced: boolean;
}

/** Kinds the snapshot holds, with their API group (any version of the group is accepted). */
export const FILE_KINDS: Record<string, KindSpec> = {
  GatewayClass: { group: 'gateway.networking.k8s.io', key: 'gatewayClasses', namespaced: false },
  Gateway: { group: 'gateway.networking.k8s.io', key: 'gateways', namespaced: true },
  HTTPRoute: { group: 'gateway.networking.k8s.io', key: 'httpRoutes', namespaced: true },
  ReferenceGrant: { group: 'gateway.networking.k8s.io', key: 'referenceGrants', namespaced: true },
  Service: { group: '', key: 'services', namespaced: true },
  EndpointSlice: { group: 'discovery.k8s.io', key: 'endpointSlices', namespaced: true },
  Secret: { group: '', key: 'secrets', namespaced: true },
  Namespace: { group: '', key: 'namespaces', namespaced: false },
};

export class ResourceFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
    this.name = 'ResourceFileError';
  }
}

export interface LoadedObject {
  /** Checked against its kind's schema (and defaulted, for Gateway API kinds). */
  object: KubeObject;
  key: keyof ResourceSnapshot;
  file: string;
  line: number;
}

/** An object its kind's schema refuses. */
export interface RejectedObject {
  file: string;
  line: number;
  column: number;
  /** `Kind namespace/name` (`Kind name` when cluster-scoped). */
  object: string;
  /** Identity (kind/namespace/name) of the object, to keep its last good version. */
  id: string;
  /** `spec.listeners[1]: Duplicate value: {"name":"http"}; ...` */
  reason: string;
  /** `file:line:column: object: reason`. */
  message: string;
}

export interface ParsedFile {
  objects: LoadedObject[];
  rejected: RejectedObject[];
}

export function objectId(kind: string | undefined, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

function validate(value: unknown, file: string, line: number, col: number): LoadedObject | RejectedObject {
  const fail = (reason: string): never => {
    throw new ResourceFileError(file, line, col, reason);
  };
  if (!value || typeof value !== 'object' || Array.isArray(value)) return fail('expected a Kubernetes object (a mapping with apiVersion, kind, metadata)');
  const o = value as { kind?: unknown; apiVersion?: unknown; metadata?: unknown };
  if (typeof o.kind !== 'string' || !o.kind) return fail('missing "kind"');
  const spec = FILE_KINDS[o.kind];
  if (!spec) return fail(`unknown kind "${o.kind}" (expected one of ${Object.keys(FILE_KINDS).join(', ')})`);
  if (typeof o.apiVersion !== 'string' || !o.apiVersion) return fail(`${o.kind}: missing "apiVersion"`);
  if (groupOf(o.apiVersion) !== spec.group) return fail(`${o.kind}: apiVersion "${o.apiVersion}" is not in group "${spec.group || 'core'}"`);
  if (!o.metadata || typeof o.metadata !== 'object') return fail(`${o.kind}: missing "metadata"`);
  const given = o.metadata as { name?: unknown; namespace?: unknown; labels?: unknown };
  if (typeof given.name !== 'string' || !given.name) return fail(`${o.kind}: missing "metadata.name"`);
  if (given.namespace !== undefined && typeof given.namespace !== 'string') return fail(`${o.kind} ${given.name}: "metadata.namespace" must be a string`);
  // The rest of metadata is checked with the object's schema below.
  const metadata = { ...(o.metadata as Partial<ObjectMetadata>), name: given.name };
  if (spec.namespaced) metadata.namespace ??= 'default';
  else delete metadata.namespace;
  // What the API server would add: the translator may read generation (observedGeneration) and a uid.
  metadata.generation ??= 1;
  metadata.uid ??= `file:${o.kind}/${metadata.namespace ?? ''}/${metadata.name}`;
  metadata.creationTimestamp ??= '1970-01-01T00:00:00Z';
  if (o.kind === 'Namespace') metadata.labels = { ...metadata.labels, 'kubernetes.io/metadata.name': metadata.name };
  const object: unknown = { ...o, metadata };
  const what = `${o.kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name}`;
  let reason: string | undefined;
  let checked = object;
  if (isGatewayApiKind(o.kind)) {
    const result = validateGatewayApiObject(o.kind, object);
    if (result.object) checked = result.object;
    else reason = formatProblems(result.problems);
  } else {
    const problems = coreObjectProblems(o.kind, object);
    if (problems.length) reason = problems.join('; ');
  }
  if (reason !== undefined) {
    return { file, line, column: col, object: what, id: objectId(o.kind, metadata.namespace, metadata.name), reason, message: `${file}:${line}:${col}: ${what}: ${reason}` };
  }
  return { object: checked as KubeObject, key: spec.key, file, line };
}

/**
 * Parses one file's text. Throws ResourceFileError at the first problem of the file; objects their
 * schema refuses come back in `rejected`.
 */
export function parseResourceFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true }) as Document[] | { empty: true };
  if (!Array.isArray(docs)) return { objects: [], rejected: [] };
  const out: (LoadedObject | RejectedObject)[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0] ?? { line: 1, col: 1 };
      throw new ResourceFileError(file, pos.line, pos.col, `YAML syntax error: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    if (doc.contents === null) continue; // empty document (e.g. a trailing ---)
    const start = doc.contents?.range?.[0] ?? 0;
    const { line, col } = lineCounter.linePos(start);
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) continue;
    const o = value as { kind?: unknown; items?: unknown };
    if (o && typeof o === 'object' && o.kind === 'List' && Array.isArray(o.items)) {
      const items = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
      o.items.forEach((item, i) => {
        const node = (items as { items?: { range?: [number, number, number] }[] } | undefined)?.items?.[i];
        const p = node?.range ? lineCounter.linePos(node.range[0]) : { line, col };
        out.push(validate(item, file, p.line, p.col));
      });
      continue;
    }
    out.push(validate(value, file, line, col));
  }
  const objects: LoadedObject[] = [];
  const rejected: RejectedObject[] = [];
  for (const o of out) {
    if ('reason' in o) rejected.push(o);
    else objects.push(o);
  }
  return { objects, rejected };
}

export interface SnapshotBuild {
  snapshot: ResourceSnapshot;
  /** Same object defined twice: the first (by file name, then position) wins. */
  duplicates: string[];
}

/** Assembles a snapshot from every file's objects, adding Namespace objects that are used but not declared. */
export function buildSnapshot(files: Map<string, LoadedObject[]>): SnapshotBuild {
  const snapshot: ResourceSnapshot = { gatewayClasses: [], gateways: [], httpRoutes: [], referenceGrants: [], services: [], endpointSlices: [], secrets: [], namespaces: [] };
  const seen = new Map<string, LoadedObject>();
  const duplicates: string[] = [];
  for (const file of [...files.keys()].sort()) {
    for (const loaded of files.get(file)!) {
      const m = loaded.object.metadata;
      const id = objectId(loaded.object.kind, m.namespace, m.name);
      const first = seen.get(id);
      if (first) {
        duplicates.push(`${loaded.file}:${loaded.line}: ${loaded.object.kind} ${m.namespace ? `${m.namespace}/` : ''}${m.name} is already defined at ${first.file}:${first.line} (ignored)`);
        continue;
      }
      seen.set(id, loaded);
      // parseResourceFile checked the object against the schema of the kind `key` holds.
      (snapshot[loaded.key] as KubeObject[]).push(loaded.object);
    }
  }
  const declared = new Set(snapshot.namespaces.map((n) => n.metadata.name));
  const used = new Set(Object.values(snapshot).flatMap((objs: KubeObject[]) => objs.map((o) => o.metadata.namespace).filter((n): n is string => !!n)));
  for (const name of [...used].sort()) {
    if (declared.has(name)) continue;
    snapshot.namespaces.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, uid: `file:Namespace//${name}`, generation: 1, labels: { 'kubernetes.io/metadata.name': name } },
    });
  }
  return { snapshot, duplicates };
}
