/**
 * Core kinds in resource files (Service, EndpointSlice, Secret, Namespace): client-node's models say
 * which fields each object has and of what type, so a misspelled field is refused as the API server's
 * strict field validation would refuse it, instead of being silently ignored.
 */
import * as k8s from '@kubernetes/client-node';

interface Attribute {
  baseName: string;
  type: string;
}
type Model = { getAttributeTypeMap?: () => Attribute[] };

const MODELS = k8s as unknown as Record<string, Model | undefined>;

export const CORE_MODELS: Record<string, string> = {
  Service: 'V1Service',
  EndpointSlice: 'V1EndpointSlice',
  Secret: 'V1Secret',
  Namespace: 'V1Namespace',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function check(type: string, value: unknown, path: string, out: string[]): void {
  if (value === null || value === undefined || out.length >= 5) return;
  const list = /^Array<(.+)>$/.exec(type);
  if (list) {
    if (!Array.isArray(value)) out.push(`${path}: Invalid value: expected a list`);
    else value.forEach((v, i) => check(list[1], v, `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!isObject(value)) out.push(`${path}: Invalid value: expected a mapping`);
    else for (const [k, v] of Object.entries(value)) check(map[1], v, `${path}.${k}`, out);
    return;
  }
  const expect = (ok: boolean, what: string) => {
    if (!ok) out.push(`${path}: Invalid value: ${JSON.stringify(value)?.slice(0, 80)}: expected ${what}`);
  };
  switch (type) {
    case 'string':
    case 'Date':
      return expect(typeof value === 'string', 'a string');
    case 'number':
      return expect(typeof value === 'number', 'a number');
    case 'boolean':
      return expect(typeof value === 'boolean', 'a boolean');
    case 'IntOrString':
      return expect(typeof value === 'number' || typeof value === 'string', 'an integer or a string');
  }
  const attributes = MODELS[type]?.getAttributeTypeMap?.();
  if (!attributes) return; // free-form (object, any)
  if (!isObject(value)) return expect(false, 'a mapping');
  for (const [k, v] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === k);
    const at = path ? `${path}.${k}` : k;
    if (!attribute) out.push(`${at}: unknown field "${at}"`);
    else check(attribute.type, v, at, out);
  }
}

/** Problems of one core object (empty: fine), as `path: message`. */
export function coreObjectProblems(kind: string, value: unknown): string[] {
  const model = CORE_MODELS[kind];
  const out: string[] = [];
  if (model) check(model, value, '', out);
  return out;
}
