/**
 * deploy/serval-gateway.yaml read as a whole, without a cluster: every container's args and env are
 * settings serval accepts, and the names that tie the objects together agree (Services -> Pods and
 * named ports, probes -> ports, the admin token Secret, the Lease the RBAC names, the GatewayClass
 * controllerName, DATA_PLANE_SERVICE -> the admin Service). The real API server check is
 * test/k8s/manifests.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import { loadSettings } from '../../src/config/load-settings.js';
import { SETTINGS, type Mode } from '../../src/config/settings.schema.js';

const REPO = new URL('../../', import.meta.url).pathname;
type Obj = any;
const docs: Obj[] = parseAllDocuments(readFileSync(join(REPO, 'deploy/serval-gateway.yaml'), 'utf8')).map((d) => d.toJS()).filter(Boolean);
const find = (kind: string, name: string): Obj => {
  const o = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!o) throw new Error(`deploy/serval-gateway.yaml has no ${kind} ${name}`);
  return o;
};
const workloads = docs.filter((d) => d.kind === 'Deployment' || d.kind === 'DaemonSet');
const namespace = docs.find((d) => d.kind === 'Namespace').metadata.name as string;

/** The env a Pod would see, with Secret values and downward-API fields filled in. */
function podEnv(pod: Obj, container: Obj): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) env[e.name] = 'secret-value-from-the-admin-token-secret';
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = `${pod.metadata?.name ?? 'pod'}-abc12`;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    else throw new Error(`env ${e.name}: unsupported source ${JSON.stringify(e.valueFrom)}`);
  }
  return env;
}

describe('deploy/serval-gateway.yaml wiring', () => {
  test('every container runs the image of this version (a new runtime is a new image, not a re-pushed tag)', () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const images = workloads.flatMap((w) => w.spec.template.spec.containers.map((c: Obj) => c.image as string));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toBe(`ghcr.io/serval-gateway/serval-gateway:${version}`);
  });

  test('every container runs a serval mode with settings serval accepts', () => {
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual(['DaemonSet/serval-router', 'Deployment/serval-gateway']);
    for (const w of workloads) {
      for (const c of w.spec.template.spec.containers) {
        const [mode, ...flags] = c.args as string[];
        expect(['router', 'controller', 'standalone']).toContain(mode);
        expect(() => loadSettings(mode as Mode, flags, podEnv(w.spec.template, c)), `${w.metadata.name}/${c.name}`).not.toThrow();
      }
    }
  });

  test('both halves share one admin token Secret', () => {
    const refs = workloads.flatMap((w) => w.spec.template.spec.containers.flatMap((c: Obj) => (c.env ?? []).filter((e: Obj) => e.name === SETTINGS.adminToken.env)));
    expect(refs).toHaveLength(2);
    expect(new Set(refs.map((e: Obj) => JSON.stringify(e.valueFrom.secretKeyRef))).size).toBe(1);
    expect(refs[0].valueFrom.secretKeyRef).toEqual({ name: 'serval-admin-token', key: 'token' });
  });

  test('probes and Services point at ports the Pods declare, Services select the router Pods', () => {
    for (const w of workloads) {
      const labels = w.spec.template.metadata.labels;
      expect(w.spec.selector.matchLabels).toEqual(labels);
      for (const c of w.spec.template.spec.containers) {
        const names = new Set((c.ports ?? []).map((p: Obj) => p.name));
        for (const probe of [c.livenessProbe, c.readinessProbe]) {
          expect(probe?.httpGet, `${w.metadata.name} needs HTTP probes`).toBeDefined();
          expect(names).toContain(probe.httpGet.port);
          expect(['/healthz', '/readyz']).toContain(probe.httpGet.path);
        }
        expect(c.livenessProbe.httpGet.path).toBe('/healthz');
        expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      }
    }
    const router = find('DaemonSet', 'serval-router').spec.template;
    const routerPorts = new Map(router.spec.containers[0].ports.map((p: Obj) => [p.name, p.containerPort]));
    for (const name of ['serval-router', 'serval-router-admin']) {
      const svc = find('Service', name);
      expect(svc.spec.selector).toEqual(router.metadata.labels);
      for (const p of svc.spec.ports) expect(routerPorts.has(p.targetPort), `${name} targetPort ${p.targetPort}`).toBe(true);
    }
    expect(routerPorts.get('admin')).toBe(SETTINGS.adminPort.default);
  });

  test('the controller pushes to the admin Service, which lists every router (headless)', () => {
    const controller = find('Deployment', 'serval-gateway').spec.template.spec.containers[0];
    const target = podEnv({}, controller)[SETTINGS.dataPlaneService.env];
    const [ns, rest] = target.split('/');
    const [name, port] = rest.split(':');
    const svc = find('Service', name);
    expect(svc.metadata.namespace).toBe(ns);
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports.map((p: Obj) => String(p.port))).toContain(port);
  });

  test('the NetworkPolicy opens the admin port to the controller Pods only', () => {
    const policy = find('NetworkPolicy', 'serval-router-admin');
    const adminRule = policy.spec.ingress.find((r: Obj) => r.ports.some((p: Obj) => p.port === SETTINGS.adminPort.default));
    expect(adminRule.from).toEqual([{ podSelector: { matchLabels: find('Deployment', 'serval-gateway').spec.template.metadata.labels } }]);
  });

  test('RBAC names the Lease the controller uses, in the namespace it runs in; the GatewayClass is ours', () => {
    const role = find('Role', 'serval-gateway-leader-election');
    expect(role.metadata.namespace).toBe(namespace);
    expect(role.rules.flatMap((r: Obj) => r.resourceNames ?? [])).toEqual([SETTINGS.leaseName.default]);
    const controller = find('Deployment', 'serval-gateway');
    const settings = loadSettings('controller', controller.spec.template.spec.containers[0].args.slice(1), podEnv(controller.spec.template, controller.spec.template.spec.containers[0]));
    expect(settings.leaseNamespace).toBe(namespace);
    expect(settings.leaseName).toBe(SETTINGS.leaseName.default);
    expect(controller.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(find('GatewayClass', 'serval').spec.controllerName).toBe(SETTINGS.controllerName.default);
    const binding = find('ClusterRoleBinding', 'serval-gateway-controller');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: controller.spec.template.spec.serviceAccountName, namespace }]);
  });

  test('Pods run unprivileged', () => {
    for (const w of workloads) {
      const spec = w.spec.template.spec;
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      for (const c of spec.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c.resources.requests).toBeDefined();
      }
    }
  });
});
