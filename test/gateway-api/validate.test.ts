/** Checks of the generated schemas' validator that the standalone and golden tests do not reach. */
import { describe, expect, it } from 'vitest';
import { celCompileError, type CelRule, type JsonSchema } from '../../src/gateway-api/cel.js';
import { GATEWAY_API_KINDS } from '../../src/gateway-api/generated/index.js';
import { formatProblems, validateGatewayApiObject } from '../../src/gateway-api/validate.js';

function rulesOf(schema: JsonSchema, out: string[] = []): string[] {
  for (const r of (schema['x-kubernetes-validations'] as CelRule[] | undefined) ?? []) out.push(r.rule);
  for (const sub of Object.values((schema.properties as Record<string, JsonSchema> | undefined) ?? {})) rulesOf(sub, out);
  for (const sub of Object.values((schema.patternProperties as Record<string, JsonSchema> | undefined) ?? {})) rulesOf(sub, out);
  if (schema.items) rulesOf(schema.items as JsonSchema, out);
  return out;
}

const meta = (name: string) => ({ name, namespace: 'default' });
const gw = 'gateway.networking.k8s.io/v1';

describe('Gateway API validation', () => {
  it('compiles every CEL rule of every generated kind', () => {
    const rules = Object.values(GATEWAY_API_KINDS).flatMap((k) => rulesOf(k.schema));
    expect(rules.length).toBeGreaterThan(150);
    expect(rules.map((r) => [r, celCompileError(r)]).filter(([, e]) => e !== undefined)).toEqual([]);
  });

  it('applies the CEL rules the way the API server does', () => {
    const route = (filters: unknown[]) => ({ apiVersion: gw, kind: 'HTTPRoute', metadata: meta('r'), spec: { rules: [{ filters }] } });
    // Redirect with a prefix replacement needs exactly one PathPrefix match (has() over an index).
    const redirect = { type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' } } };
    expect(validateGatewayApiObject('HTTPRoute', route([redirect])).problems).toEqual([]);
    const exact = { ...route([redirect]), spec: { rules: [{ matches: [{ path: { type: 'Exact', value: '/a' } }], filters: [redirect] }] } };
    expect(formatProblems(validateGatewayApiObject('HTTPRoute', exact).problems)).toContain('exactly one PathPrefix match must be specified');
    // A filter type without its field; a timeout longer than the request's (durations).
    expect(formatProblems(validateGatewayApiObject('HTTPRoute', route([{ type: 'URLRewrite' }])).problems)).toBe('spec.rules[0].filters[0]: Invalid value: filter.urlRewrite must be specified for URLRewrite filter.type');
    const timeouts = { apiVersion: gw, kind: 'HTTPRoute', metadata: meta('t'), spec: { rules: [{ timeouts: { request: '1s', backendRequest: '2s' } }] } };
    expect(formatProblems(validateGatewayApiObject('HTTPRoute', timeouts).problems)).toContain('spec.rules[0].timeouts: Invalid value: backendRequest timeout cannot be longer than request timeout');
    // Reserved words escaped: parentRefs' `namespace` is `__namespace__` to CEL.
    const parents = { apiVersion: gw, kind: 'HTTPRoute', metadata: meta('p'), spec: { parentRefs: [{ name: 'gw', namespace: 'a' }, { name: 'gw', namespace: 'b' }] } };
    expect(validateGatewayApiObject('HTTPRoute', parents).problems).toEqual([]);
  });

  it('checks metadata as the API server does, and leaves the input untouched', () => {
    const obj = { apiVersion: gw, kind: 'GatewayClass', metadata: { name: 'Not_A_Name', labelz: {} }, spec: { controllerName: 'example.com/x' } };
    const before = JSON.stringify(obj);
    expect(formatProblems(validateGatewayApiObject('GatewayClass', obj).problems)).toBe(
      'metadata.labelz: unknown field "metadata.labelz"; metadata.name: Invalid value: "Not_A_Name": expected string to match \'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\'',
    );
    expect(JSON.stringify(obj)).toBe(before);
  });
});
