/**
 * The RBAC expectations of the shipped install (deploy/serval-gateway.yaml and the Helm chart alike): what the
 * controller's ServiceAccount must be allowed (derived from src/providers/kubernetes/resource-kinds.ts) and what it
 * and the router's ServiceAccount must not, checked with SubjectAccessReviews on a real API server.
 */
import * as k8s from '@kubernetes/client-node';
import { STATUS_KINDS, WATCHED_KINDS } from '../../../src/providers/kubernetes/resource-kinds.js';
import { SETTINGS } from '../../../src/config/settings.schema.js';

export interface Access {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

export const show = (a: Access) =>
  `${a.verb} ${a.group || 'core'}/${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.namespace ? ` in ${a.namespace}` : ''}${a.name ? ` named ${a.name}` : ''}`;

/** group and plural of a collection path like /apis/<group>/<version>/<plural> or /api/v1/<plural>. */
function resourceOf(path: string): { group: string; resource: string } {
  const parts = path.split('/').filter(Boolean);
  return parts[0] === 'api' ? { group: '', resource: parts[2] } : { group: parts[1], resource: parts[3] };
}

/** Every access the controller makes: informers (list+watch, all namespaces), status patches, its Lease in `ns`. */
export function neededAccess(ns: string): Access[] {
  const lease = SETTINGS.leaseName.default;
  return [
    ...WATCHED_KINDS.flatMap((k) => ['list', 'watch'].map((verb) => ({ verb, ...resourceOf(k.path) }))),
    ...Object.values(STATUS_KINDS).map((k) => ({ verb: 'patch', group: k.group, resource: k.plural, subresource: 'status', namespace: k.namespaced ? 'default' : undefined, name: 'any' })),
    { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: ns },
    { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: ns, name: lease },
    { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: ns, name: lease },
  ];
}

/** Writes to specs, reads by name, other leases and unrelated kinds: none of it is the controller's business. */
export function forbiddenAccess(ns: string): Access[] {
  const gw = 'gateway.networking.k8s.io';
  return [
    { verb: 'update', group: gw, resource: 'httproutes', namespace: 'default', name: 'api' },
    { verb: 'patch', group: gw, resource: 'httproutes', namespace: 'default', name: 'api' },
    { verb: 'create', group: gw, resource: 'httproutes', namespace: 'default' },
    { verb: 'delete', group: gw, resource: 'gateways', namespace: 'default', name: 'web' },
    { verb: 'patch', group: gw, resource: 'gatewayclasses', name: 'serval' },
    { verb: 'update', group: gw, resource: 'gateways', subresource: 'status', namespace: 'default', name: 'web' },
    { verb: 'patch', group: gw, resource: 'referencegrants', subresource: 'status', namespace: 'shared', name: 'allow-team-a-routes' },
    { verb: 'get', group: '', resource: 'secrets', namespace: 'kube-system', name: 'anything' },
    { verb: 'get', group: '', resource: 'secrets', namespace: ns, name: 'serval-admin-token' },
    { verb: 'create', group: '', resource: 'secrets', namespace: ns },
    { verb: 'get', group: '', resource: 'services', namespace: 'default', name: 'api' },
    { verb: 'patch', group: '', resource: 'services', namespace: 'default', name: 'api' },
    { verb: 'list', group: '', resource: 'pods' },
    { verb: 'list', group: '', resource: 'configmaps' },
    { verb: 'create', group: '', resource: 'pods/exec', namespace: ns },
    { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: ns, name: 'some-other-lease' },
    { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: ns, name: SETTINGS.leaseName.default },
    { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system' },
    { verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
    { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  ];
}

/** One SubjectAccessReview: may this ServiceAccount do that? */
export async function allowed(authz: k8s.AuthorizationV1Api, sa: ServiceAccountRef, a: Access): Promise<boolean> {
  const review = await authz.createSubjectAccessReview({
    body: {
      spec: {
        user: `system:serviceaccount:${sa.namespace}:${sa.name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'],
        resourceAttributes: { verb: a.verb, group: a.group, resource: a.resource, subresource: a.subresource, namespace: a.namespace, name: a.name },
      },
    },
  });
  return review.status?.allowed === true;
}

/** The accesses in `list` the ServiceAccount is (`want` true) or is not (`want` false) granted, shown. */
export async function accessesWhere(authz: k8s.AuthorizationV1Api, sa: ServiceAccountRef, list: Access[], want: boolean): Promise<string[]> {
  const out: string[] = [];
  for (const a of list) if ((await allowed(authz, sa, a)) === want) out.push(show(a));
  return out;
}
