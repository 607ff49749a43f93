/** The Gateway API and core objects the standalone tests write into their resources folder, as YAML. */
import { httpGet } from '../../support/real-router.js';

export const gatewayYaml = (port: number) => `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: serval}
spec: {controllerName: serval.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: serval
  listeners: [{name: http, protocol: HTTP, port: ${port}}]
`;

export const backendYaml = (name: string, port: number) => `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec: {ports: [{port: 80, targetPort: ${port}}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ${name}-1, labels: {kubernetes.io/service-name: ${name}}}
addressType: IPv4
ports: [{port: ${port}, protocol: TCP}]
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
`;

/** One rule sending `prefix` to `service`:80; `extra` is appended to that rule (indented YAML lines). */
export const routeYaml = (name: string, prefix: string, service: string, extra = '') => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: PathPrefix, value: ${prefix}}}]
    backendRefs: [{name: ${service}, port: 80}]
${extra}`;

/** Which demo backend answered `path` on the Gateway's port, or `HTTP <status>`. */
export async function backendAt(gwPort: number, path: string): Promise<string | undefined> {
  const res = await httpGet(gwPort, path);
  return res.status === 200 ? (JSON.parse(res.body) as { backend: string }).backend : `HTTP ${res.status}`;
}
