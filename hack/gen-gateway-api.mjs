#!/usr/bin/env node
/**
 * Generates src/gateway-api/generated/ from the pinned Gateway API release's CRDs (hack/versions.env,
 * experimental channel: what the k8s tier and conformance install, a superset of standard): one TypeBox
 * schema per kind, whose Static<> is the kind's TypeScript type and whose compiled checker (plus
 * src/gateway-api/validate.ts for the x-kubernetes-* rules) validates standalone objects. One source
 * for both, never written twice.
 *
 *   npm run gen:gateway-api             # writes the files
 *   node hack/gen-gateway-api.mjs --check   # exit 1 when the committed files differ
 *
 * The CRDs come from $GATEWAY_API_CRDS (a folder of CRD YAML), else from the Go module cache
 * (`go mod download` in hack/gateway-api: the Go module proxy is the only network it may use).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(root, 'src/gateway-api/generated');
const CHANNEL = 'experimental';

/** Kinds the project reads (and the ones open issues add), with the file name of their module. */
const KINDS = [
  ['GatewayClass', 'gatewayclass'],
  ['Gateway', 'gateway'],
  ['HTTPRoute', 'httproute'],
  ['ReferenceGrant', 'referencegrant'],
  ['GRPCRoute', 'grpcroute'],
  ['TLSRoute', 'tlsroute'],
  ['ListenerSet', 'listenerset'],
  ['BackendTLSPolicy', 'backendtlspolicy'],
];

function pinnedVersion() {
  const env = readFileSync(join(root, 'hack/versions.env'), 'utf8');
  return /^GATEWAY_API_VERSION=(\S+)/m.exec(env)[1];
}

/** The folder of the channel's CRD files, or undefined (with why) when they cannot be had. */
export function crdDir() {
  const given = process.env.GATEWAY_API_CRDS;
  if (given) return existsSync(given) ? { dir: given } : { why: `GATEWAY_API_CRDS=${given} does not exist` };
  try {
    const out = execFileSync('go', ['mod', 'download', '-json', 'sigs.k8s.io/gateway-api'], {
      cwd: join(root, 'hack/gateway-api'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const info = JSON.parse(out);
    if (info.Version !== pinnedVersion()) return { why: `go resolved gateway-api ${info.Version}, hack/versions.env pins ${pinnedVersion()}` };
    const dir = join(info.Dir, 'config/crd', CHANNEL);
    return existsSync(dir) ? { dir } : { why: `${dir} does not exist` };
  } catch (err) {
    return { why: `go mod download sigs.k8s.io/gateway-api failed: ${String(err.message).split('\n')[0]}` };
  }
}

function loadCrds(dir) {
  const byKind = new Map();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind === 'CustomResourceDefinition') byKind.set(crd.spec.names.kind, crd);
    }
  }
  return byKind;
}

/** Descriptions are documentation only; they would make the output ten times larger. */
function strip(s) {
  if (Array.isArray(s)) return s.map(strip);
  if (s && typeof s === 'object') return Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'description').map(([k, v]) => [k, strip(v)]));
  return s;
}

const lit = (v) => JSON.stringify(v);
const key = (k) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : lit(k));

/** Schema keywords that become TypeBox options as they are (TypeBox keeps unknown ones on the schema). */
const STRUCTURAL = new Set(['type', 'properties', 'required', 'items', 'additionalProperties', 'enum', 'x-kubernetes-int-or-string']);

function options(s, extra = {}) {
  const o = { ...extra };
  for (const [k, v] of Object.entries(s)) if (!STRUCTURAL.has(k)) o[k] = v;
  // TypeBox checks string formats through its FormatRegistry: validate.ts registers the ones used here.
  const entries = Object.entries(o);
  if (entries.length === 0) return '';
  return `{ ${entries.map(([k, v]) => `${key(k)}: ${value(v)}`).join(', ')} }`;
}

function value(v) {
  if (Array.isArray(v)) return `[${v.map(value).join(', ')}]`;
  if (v && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${key(k)}: ${value(x)}`).join(', ')} }`;
  return lit(v);
}

const pascal = (s) => s.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c) => c.toUpperCase());
const singular = (s) => (s.endsWith('ies') ? `${s.slice(0, -3)}y` : s.endsWith('sses') ? s.slice(0, -2) : s.endsWith('s') && !s.endsWith('ss') ? s.slice(0, -1) : s);

/** One kind's module: subschemas used more than once become named constants, defined before use. */
function generateKind(kind, schema, versions, bundle) {
  const counts = new Map();
  const countNodes = (s) => {
    if (!s || typeof s !== 'object') return;
    const big = (s.properties || s.items) && JSON.stringify(s).length > 300;
    if (big) counts.set(JSON.stringify(s), (counts.get(JSON.stringify(s)) ?? 0) + 1);
    for (const v of Object.values(s.properties ?? {})) countNodes(v);
    if (s.items) countNodes(s.items);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') countNodes(s.additionalProperties);
  };
  countNodes(schema.properties.spec);
  countNodes(schema.properties.status);
  const hoisted = new Map(); // canonical JSON -> const name
  const defs = [];
  const used = new Set(['ObjectMeta', kind]);
  const nameFor = (path) => {
    const props = path.filter((p) => p !== '[]');
    const last = props.slice(-2).map((p, i, a) => (i === a.length - 1 && path.at(-1) === '[]' ? singular(p) : p));
    let name = `${kind}${pascal(last.join('-'))}`;
    for (let n = 2; used.has(name); n++) name = `${kind}${pascal(last.join('-'))}${n}`;
    used.add(name);
    return name;
  };

  const expr = (s, path, indent) => {
    const canon = JSON.stringify(s);
    if ((counts.get(canon) ?? 0) > 1) {
      let name = hoisted.get(canon);
      if (!name) {
        name = nameFor(path);
        hoisted.set(canon, name);
        defs.push(`export const ${name} = ${build(s, path, '')};`);
      }
      return name;
    }
    return build(s, path, indent);
  };

  const build = (s, path, indent) => {
    const inner = `${indent}  `;
    if (s['x-kubernetes-int-or-string']) return `Type.Union([Type.Integer(), Type.String()]${options(s) ? `, ${options(s)}` : ''})`;
    if (s.enum) return `Type.Union([${s.enum.map((e) => `Type.Literal(${lit(e)})`).join(', ')}]${options(s) ? `, ${options(s)}` : ''})`;
    switch (s.type) {
      case 'string':
        return `Type.String(${options(s)})`;
      case 'integer':
        return `Type.Integer(${options(s)})`;
      case 'number':
        return `Type.Number(${options(s)})`;
      case 'boolean':
        return `Type.Boolean(${options(s)})`;
      case 'array':
        return `Type.Array(${expr(s.items, [...path, '[]'], indent)}${options(s) ? `, ${options(s)}` : ''})`;
      case 'object': {
        if (s.properties) {
          const required = new Set(s.required ?? []);
          const props = Object.entries(s.properties).map(([k, v]) => {
            const e = expr(v, [...path, k], inner);
            return `${inner}${key(k)}: ${required.has(k) ? e : `Type.Optional(${e})`},`;
          });
          // Unknown fields are errors: the API server's strict field validation.
          return `Type.Object({\n${props.join('\n')}\n${indent}}, ${options(s, { additionalProperties: false })})`;
        }
        if (s.additionalProperties && typeof s.additionalProperties === 'object') {
          return `Type.Record(Type.String(), ${expr(s.additionalProperties, [...path, '{}'], indent)}${options(s) ? `, ${options(s)}` : ''})`;
        }
        return `Type.Record(Type.String(), Type.Unknown()${options(s) ? `, ${options(s)}` : ''})`;
      }
      default:
        throw new Error(`${kind} ${path.join('.')}: schema without a type: ${JSON.stringify(s).slice(0, 200)}`);
    }
  };

  // metadata is `type: object` in every CRD (the API server checks ObjectMeta itself): ours is object-meta.ts.
  const top = { ...schema, required: [...new Set(['metadata', ...(schema.required ?? [])])] };
  const props = Object.entries(top.properties).map(([k, v]) => {
    const e = k === 'metadata' ? 'ObjectMeta' : expr(v, [k], '  ');
    return `  ${key(k)}: ${top.required.includes(k) ? e : `Type.Optional(${e})`},`;
  });
  const main = `export const ${kind} = Type.Object({\n${props.join('\n')}\n}, ${options(top, { additionalProperties: false })});`;
  return `// Generated by hack/gen-gateway-api.mjs from the Gateway API ${bundle} CRDs (${CHANNEL} channel). Do not edit.
import { Type, type Static } from '@sinclair/typebox';
import { ObjectMeta } from '../object-meta.js';

/** API versions of gateway.networking.k8s.io whose schema is this one. */
export const ${kind}Versions = ${value(versions)} as const;

${defs.join('\n\n')}${defs.length ? '\n\n' : ''}${main}
export type ${kind} = Static<typeof ${kind}>;
`;
}

export function generate(dir) {
  const crds = loadCrds(dir);
  const files = new Map();
  let bundle;
  const index = [];
  for (const [kind, file] of KINDS) {
    const crd = crds.get(kind);
    if (!crd) throw new Error(`${dir}: no CRD for ${kind}`);
    bundle ??= crd.metadata.annotations['gateway.networking.k8s.io/bundle-version'];
    const served = crd.spec.versions.filter((v) => v.served);
    // Types follow the newest version (v1 for every kind here); older versions with the same schema share it.
    const newest = served.find((v) => v.name === 'v1') ?? served.find((v) => v.storage);
    const schema = strip(newest.schema.openAPIV3Schema);
    const same = served.filter((v) => JSON.stringify(strip(v.schema.openAPIV3Schema)) === JSON.stringify(schema)).map((v) => v.name);
    files.set(`${file}.ts`, generateKind(kind, schema, same, bundle));
    index.push({ kind, file, namespaced: crd.spec.scope === 'Namespaced' });
  }
  files.set(
    'index.ts',
    `// Generated by hack/gen-gateway-api.mjs from the Gateway API ${bundle} CRDs (${CHANNEL} channel). Do not edit.
import type { TSchema } from '@sinclair/typebox';
${index.map(({ kind, file }) => `import { ${kind}, ${kind}Versions } from './${file}.js';`).join('\n')}

${index.map(({ kind, file }) => `export { ${kind}, ${kind}Versions } from './${file}.js';`).join('\n')}

export const GATEWAY_API_BUNDLE_VERSION = ${lit(bundle)};
export const GATEWAY_API_CHANNEL = ${lit(CHANNEL)};

export interface GatewayApiKind {
  schema: TSchema;
  /** Versions of gateway.networking.k8s.io validated with this schema. */
  versions: readonly string[];
  namespaced: boolean;
}

export const GATEWAY_API_KINDS = {
${index.map(({ kind, namespaced }) => `  ${kind}: { schema: ${kind}, versions: ${kind}Versions, namespaced: ${namespaced} },`).join('\n')}
} satisfies Record<string, GatewayApiKind>;
`,
  );
  return files;
}

function main() {
  const check = process.argv.includes('--check');
  const { dir, why } = crdDir();
  if (!dir) {
    console.error(`gen-gateway-api: no CRDs (${why})`);
    process.exit(2);
  }
  const files = generate(dir);
  if (check) {
    const stale = [...files].filter(([name, text]) => !existsSync(join(OUT, name)) || readFileSync(join(OUT, name), 'utf8') !== text).map(([n]) => n);
    const extra = existsSync(OUT) ? readdirSync(OUT).filter((n) => !files.has(n)) : [];
    if (stale.length || extra.length) {
      console.error(`gen-gateway-api: out of date: ${[...stale, ...extra].join(', ')} (run npm run gen:gateway-api)`);
      process.exit(1);
    }
    console.log('gen-gateway-api: up to date');
    return;
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(OUT, name), text);
  console.log(`gen-gateway-api: wrote ${files.size} files to ${OUT} from ${dir}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
