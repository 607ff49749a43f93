/** The file provider's parser: multi-document YAML in, objects out; every problem names file and line. */
import { describe, expect, it } from 'vitest';
import { buildSnapshot, parseResourceFile, ResourceFileError } from '../../../src/providers/files/resource-files.js';
import { tryCommands } from '../../../src/modes/standalone/try-urls.js';

function problem(text: string): ResourceFileError {
  try {
    parseResourceFile('dir/f.yaml', text);
  } catch (err) {
    if (err instanceof ResourceFileError) return err;
    throw err;
  }
  throw new Error('expected a ResourceFileError');
}

describe('resource files', () => {
  it('reads multi-document files and Lists, defaulting namespaces', () => {
    const { objects, rejected } = parseResourceFile(
      'f.yaml',
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec: {gatewayClassName: c, listeners: [{name: http, port: 80, protocol: HTTP}]}
---
# a comment-only document is nothing
---
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Service, metadata: {name: s, namespace: apps}}
  - {apiVersion: gateway.networking.k8s.io/v1, kind: GatewayClass, metadata: {name: c, namespace: ignored}, spec: {controllerName: example.com/c}}
`,
    );
    expect(rejected).toEqual([]);
    expect(objects.map((o) => [o.object.kind, o.object.metadata.namespace, o.object.metadata.name, o.line])).toEqual([
      ['Gateway', 'default', 'gw', 1],
      ['Service', 'apps', 's', 11],
      ['GatewayClass', undefined, 'c', 12],
    ]);
  });

  it('names file and line of a YAML syntax error', () => {
    const e = problem('apiVersion: v1\nkind: Service\nmetadata:\n  name: [oops\n');
    expect(e.message).toMatch(/^dir\/f\.yaml:\d+:\d+: YAML syntax error/);
    expect(e.line).toBeGreaterThanOrEqual(4);
  });

  it('names file and line of an unknown kind, a missing name, a wrong group', () => {
    expect(problem('apiVersion: v1\nkind: Service\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n').message).toBe(
      'dir/f.yaml:5:1: unknown kind "Pod" (expected one of GatewayClass, Gateway, HTTPRoute, ReferenceGrant, Service, EndpointSlice, Secret, Namespace)',
    );
    expect(problem('\n\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {namespace: x}\n').message).toBe('dir/f.yaml:3:1: HTTPRoute: missing "metadata.name"');
    expect(problem('apiVersion: v1\nkind: Gateway\nmetadata: {name: g}\n').reason).toContain('not in group "gateway.networking.k8s.io"');
    expect(problem('- just\n- a list\n').reason).toContain('expected a Kubernetes object');
  });

  it('adds the Namespaces objects live in, and reports duplicates', () => {
    const a = parseResourceFile('a.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: apps}\n').objects;
    const b = parseResourceFile('b.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: apps}\n').objects;
    const { snapshot, duplicates } = buildSnapshot(new Map([['b.yaml', b], ['a.yaml', a]]));
    expect(snapshot.services).toHaveLength(1);
    expect(snapshot.namespaces.map((n) => [n.metadata.name, n.metadata.labels?.['kubernetes.io/metadata.name']])).toEqual([['apps', 'apps']]);
    expect(duplicates).toEqual(['b.yaml:1: Service apps/s is already defined at a.yaml:1 (ignored)']);
  });

  it('refuses an object its CRD schema refuses, alone, with file:line, its name and the schema path', () => {
    const { objects, rejected } = parseResourceFile(
      'dir/f.yaml',
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: serval
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - {name: http, port: 8080, protocol: HTTP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad-path}
spec:
  rules: [{matches: [{path: {type: PathPrefix, value: 5}}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: typo}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRef: [{name: s, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: good}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: s, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {ports: [{port: 80, targetport: 8080}]}
`,
    );
    expect(objects.map((o) => o.object.metadata.name)).toEqual(['good']);
    expect(rejected.map((r) => r.message)).toEqual([
      'dir/f.yaml:1:1: Gateway infra/gw: spec.listeners[1]: Duplicate value: {"name":"http"}; spec.listeners: Invalid value: Listener name must be unique within the Gateway',
      'dir/f.yaml:10:1: HTTPRoute default/bad-path: spec.rules[0].matches[0].path.value: Invalid value: 5: expected string',
      'dir/f.yaml:16:1: HTTPRoute default/typo: spec.rules[0].backendRef: unknown field "spec.rules[0].backendRef"',
      'dir/f.yaml:30:1: Service default/s: spec.ports[0].targetport: unknown field "spec.ports[0].targetport"',
    ]);
    expect(rejected[0]).toMatchObject({ file: 'dir/f.yaml', line: 1, object: 'Gateway infra/gw', id: 'Gateway/infra/gw' });
  });

  it('applies the CRD defaults, as the API server does before storing an object', () => {
    const { objects } = parseResourceFile(
      'f.yaml',
      'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: s, port: 80}]}]}\n',
    );
    expect(objects[0].object.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: '', kind: 'Service', name: 's', port: 80, weight: 1 }] }],
    });
  });

  it('refuses an API version whose schema the pinned release does not share', () => {
    const { rejected } = parseResourceFile('f.yaml', 'apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: HTTPRoute\nmetadata: {name: r}\nspec: {}\n');
    expect(rejected[0].reason).toBe(
      'apiVersion: Unsupported value: "gateway.networking.k8s.io/v1alpha2": supported values: "gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"',
    );
  });

  it('derives curl commands from the live config', () => {
    const cmds = tryCommands({
      listeners: [
        {
          name: 'l',
          address: '0.0.0.0',
          port: 8080,
          protocol: 'HTTP',
          virtualHosts: [
            {
              name: 'v',
              hostnames: ['shop.example.com'],
              routes: [{ name: 'r', match: { path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-variant', value: 'b' }] }, backends: [] }],
            },
          ],
        },
      ],
      pools: [],
    });
    expect(cmds).toEqual([`curl -H 'Host: shop.example.com' -H 'x-variant: b' http://localhost:8080/api`]);
  });
});
