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
import { isProgrammable } from './gateway/listeners.js';
import { evaluateGatewayClasses, gatewayClassStatus } from './gatewayclass.js';
import { attachRoute, parentRefKey, type ParentResult } from './httproute/attachment.js';
import { httpRouteStatus, routeAccepted } from './httproute/route-status.js';
import { translateRules } from './httproute/rules.js';
import { compareStrings, objectKey, routeOrder } from './objects.js';
import { ReferenceGrants } from './reference-grants.js';
import { guardOutput } from './output-guard.js';
import { TranslationMemo, type RouteOutcome } from './translation-memo.js';
import { RouterConfigBuilder } from './router-config.js';
import type { ObjectStatus, ResourceSnapshot, TranslationResult, TranslatorOptions } from './translator.types.js';

export { SUPPORTED_FEATURES } from './features.js';

const KIND_ORDER: Record<ObjectStatus['kind'], number> = { GatewayClass: 0, Gateway: 1, HTTPRoute: 2 };

function byStatusKey(a: ObjectStatus, b: ObjectStatus): number {
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compareStrings(a.namespace ?? '', b.namespace ?? '') || compareStrings(a.name, b.name);
}

/** What a route's status depends on in its parents' evaluation (the parents themselves are rebuilt each time). */
function parentsSignature(parents: readonly ParentResult[]): string {
  let out = '';
  for (const p of parents) out += `${parentRefKey(p.parentRef)}|${p.accepted.ok}|${p.accepted.reason}|${p.accepted.message}\n`;
  return out;
}

/**
 * What routes read from the evaluated Gateways, as one string: when it is unchanged, each unchanged
 * route attaches and places exactly as before (see TranslationMemo.contextEpoch). Namespaces, Services
 * and ReferenceGrants are not part of it: the memo marks stale only the routes that read a changed one.
 */
function routingContext(gateways: readonly GatewayState[]): string {
  const projection = gateways.map((g) => ({
    key: g.key,
    accepted: g.accepted.ok,
    bind: g.bind,
    listeners: g.listeners.map((l) => ({
      name: l.name,
      port: l.port,
      protocol: l.protocol,
      hostname: l.hostname,
      allowedRoutes: l.spec?.allowedRoutes,
      kinds: l.supportedKinds,
      conflicted: !!l.conflicted,
      programmable: isProgrammable(l),
    })),
  }));
  return JSON.stringify(projection);
}

/** Whether a listener selects route namespaces by label (then namespace labels matter to routes). */
function selectsNamespaces(gateways: readonly GatewayState[]): boolean {
  return gateways.some((g) => g.listeners.some((l) => l.spec?.allowedRoutes?.namespaces?.from === 'Selector'));
}

/**
 * `memo` (optional) carries work over from the previous call: the result is the same, only cheaper
 * when few routes changed (see TranslationMemo). Statuses come out GatewayClasses, then Gateways (each
 * by name), then HTTPRoutes in route order.
 */
export function translate(snapshot: ResourceSnapshot, options: TranslatorOptions, memo: TranslationMemo = new TranslationMemo()): TranslationResult {
  memo.begin();
  const now = options.now ?? EPOCH;
  // Services, namespaces (and grants, slices) by key, edited by what changed; routes that read a changed
  // one are marked stale.
  const { services, namespaces } = memo.inputs(snapshot);
  // Sorted and indexed per list: the provider hands in the same list until an object of its kind changes.
  const grants = new ReferenceGrants(memo.sortedByKey(snapshot.referenceGrants));
  const secrets = memo.indexByKey(snapshot.secrets);
  const backends = new BackendResolver(services, grants);
  // The route statuses join these at the end.
  const classAndGatewayStatuses: ObjectStatus[] = [];

  // GatewayClasses
  const classes = evaluateGatewayClasses(snapshot.gatewayClasses, options);
  for (const cls of memo.sortedByKey(snapshot.gatewayClasses)) {
    const state = classes.get(cls.metadata.name);
    if (state) classAndGatewayStatuses.push(gatewayClassStatus(cls, state, options, now));
  }

  // Gateways of our classes, their listeners and addresses
  const gateways: GatewayState[] = [];
  for (const gw of memo.sortedByKey(snapshot.gateways)) {
    const cls = classes.get(gw.spec?.gatewayClassName);
    if (cls) gateways.push(evaluateGateway(gw, objectKey(gw), cls, secrets, grants));
  }
  assignAddresses(gateways, options, snapshot.services);
  const builder = new RouterConfigBuilder();
  builder.addGateways(gateways);
  for (const g of gateways) reviewGatewayAcceptance(g);
  const gatewaysByKey = new Map(gateways.map((g) => [g.key, g]));
  const listeners = gateways.flatMap((g) => g.listeners);
  const listenerIndex = new Map(listeners.map((l, i) => [l, i]));
  const epoch = memo.contextEpoch(routingContext(gateways));
  memo.namespacesRead(selectsNamespaces(gateways));

  // Each HTTPRoute on its own (any order); the assembly places their routes oldest first, the
  // tie-break between equally specific matches.
  const { outcomes, attached, added, removed } = memo.outcomesOf(snapshot.httpRoutes, epoch, listeners.length, (route) => {
    const key = objectKey(route);
    const parents = attachRoute(route, gatewaysByKey, namespaces);
    const rules = memo.rulesOf(key, route, () => backends.reading(() => translateRules(route, backends)));
    const translated = rules.translated;
    const accepted = parents.filter((parent) => routeAccepted(parent, translated).ok).flatMap((parent) => parent.attachments);
    const targets = builder.targetsOf(accepted);
    const attachedTo = [...new Set(accepted.map((a) => listenerIndex.get(a.listener)!))];
    const status = memo.statusOf(route, translated, parentsSignature(parents), () => httpRouteStatus(route, parents, translated, options.controllerName, now));
    const outcome: RouteOutcome = { epoch, rules, translated, order: routeOrder(route), targets, attachedTo, status };
    memo.remember(route, outcome);
    return outcome;
  });
  listeners.forEach((l, i) => (l.attachedRoutes = attached[i]!));
  const { inRouteOrder, assembly } = memo.place(outcomes, added, removed);

  for (const g of gateways) classAndGatewayStatuses.push(gatewayStatus(g, now));
  classAndGatewayStatuses.sort(byStatusKey);
  // Route statuses stay in route order (oldest first, then by key): as deterministic as sorting by
  // name; the memo keeps the order from one translation to the next instead of sorting thousands.
  // Appended to a list sized once: pushing thousands would reallocate it again and again.
  let count = classAndGatewayStatuses.length;
  for (const outcome of inRouteOrder) if (outcome.status) count++;
  const statuses = new Array<ObjectStatus>(count);
  let at = 0;
  for (const s of classAndGatewayStatuses) statuses[at++] = s;
  for (const outcome of inRouteOrder) if (outcome.status) statuses[at++] = outcome.status;
  const config = builder.build((bound) => assembly.virtualHosts(bound), memo.poolsOf(assembly, services));
  memo.commit();
  // What the router would refuse is left out here, blamed on the object that made it.
  const guard = { route: (key: string) => memo.indexByKey(snapshot.httpRoutes).get(key), gateways, controllerName: options.controllerName, now };
  return guardOutput({ config, statuses }, guard);
}
