/**
 * The translator: a snapshot of Gateway API objects in, router config plus the status of every object
 * we own out. Pure and deterministic: inputs are sorted before use, no clock is read (options.now), so
 * the same snapshot gives byte-identical output whatever the order of its lists.
 */
import { assignAddresses } from './addresses.js';
import { BackendResolver } from './backends/backends.js';
import { EPOCH } from './conditions.js';
import { evaluateGateway, reviewGatewayAcceptance, type GatewayState } from './gateway/gateway.js';
import { gatewayStatus } from './gateway/gateway-status.js';
import type { ListenerState } from './gateway/listeners.js';
import { evaluateGatewayClasses, gatewayClassStatus } from './gatewayclass.js';
import { attachRoute } from './httproute/attachment.js';
import { httpRouteStatus, routeAccepted } from './httproute/route-status.js';
import { translateRules } from './httproute/rules.js';
import { byKey, compareStrings, indexByKey, objectKey, sorted, sortedByAgeThenKey } from './objects.js';
import { ReferenceGrants } from './reference-grants.js';
import { RouterConfigBuilder } from './router-config.js';
import type { ObjectStatus, ResourceSnapshot, TranslationResult, TranslatorOptions } from './translator.types.js';

export { SUPPORTED_FEATURES } from './features.js';

const KIND_ORDER: Record<ObjectStatus['kind'], number> = { GatewayClass: 0, Gateway: 1, HTTPRoute: 2 };

function byStatusKey(a: ObjectStatus, b: ObjectStatus): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compareStrings(a.namespace ?? '', b.namespace ?? '') || compareStrings(a.name, b.name);
}

export function translate(snapshot: ResourceSnapshot, options: TranslatorOptions): TranslationResult {
  const now = options.now ?? EPOCH;
  const grants = new ReferenceGrants(sorted(snapshot.referenceGrants, byKey));
  const secrets = indexByKey(snapshot.secrets);
  const services = indexByKey(snapshot.services);
  const namespaces = indexByKey(snapshot.namespaces);
  const backends = new BackendResolver(services, sorted(snapshot.endpointSlices, byKey), grants);
  const statuses: ObjectStatus[] = [];

  // GatewayClasses
  const classes = evaluateGatewayClasses(snapshot.gatewayClasses, options);
  for (const cls of sorted(snapshot.gatewayClasses, byKey)) {
    const state = classes.get(cls.metadata.name);
    if (state) statuses.push(gatewayClassStatus(cls, state, options, now));
  }

  // Gateways of our classes, their listeners and addresses
  const gateways: GatewayState[] = [];
  for (const gw of sorted(snapshot.gateways, byKey)) {
    const cls = classes.get(gw.spec?.gatewayClassName);
    if (cls) gateways.push(evaluateGateway(gw, objectKey(gw), cls, secrets, grants));
  }
  assignAddresses(gateways, options, snapshot.services);
  const builder = new RouterConfigBuilder(backends);
  builder.addGateways(gateways);
  for (const g of gateways) reviewGatewayAcceptance(g);
  const gatewaysByKey = new Map(gateways.map((g) => [g.key, g]));

  // HTTPRoutes, oldest first: that order is the tie-break between equally specific matches.
  for (const route of sortedByAgeThenKey(snapshot.httpRoutes)) {
    const parents = attachRoute(route, gatewaysByKey, namespaces);
    const translated = translateRules(route, backends);
    const attachedTo = new Set<ListenerState>();
    for (const parent of parents) {
      if (!routeAccepted(parent, translated).ok) continue;
      builder.placeRoute(translated, parent.attachments);
      for (const a of parent.attachments) attachedTo.add(a.listener);
    }
    for (const l of attachedTo) l.attachedRoutes++;
    const status = httpRouteStatus(route, parents, translated, options.controllerName, now);
    if (status) statuses.push(status);
  }

  for (const g of gateways) statuses.push(gatewayStatus(g, now));
  return { config: builder.build(), statuses: statuses.sort(byStatusKey) };
}
