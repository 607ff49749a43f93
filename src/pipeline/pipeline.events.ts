/**
 * The events that carry typed snapshots between the pipeline's stages (provider -> translator ->
 * publisher / status writer). Stages never call each other; they emit and listen on these names, through
 * PipelineBus and @OnPipelineEvent (pipeline-bus.ts), which check each payload against PipelineEvents.
 */
import type { RouterConfig } from '../contract/router-config.schema.js';
import type { KubeObject, ObjectStatus, RejectedObject, ResourceSnapshot } from '../translator/translator.types.js';

export const RESOURCES_CHANGED = 'resources.changed';
export const CONFIG_TRANSLATED = 'config.translated';
/** The publisher delivered a config version (to at least one router, or there is none to deliver to). */
export const CONFIG_PUBLISHED = 'config.published';
/** Leader election result changed (controller), or the single replica is leader by definition. */
export const LEADERSHIP_CHANGED = 'leadership.changed';
/**
 * The provider's view of an object whose status this controller writes (GatewayClass, Gateway,
 * HTTPRoute) changed: added or modified (spec or only status), deleted, or every object of the kind
 * re-listed. It carries the objects themselves, so the status writer diffs against what the API server
 * last sent without reading the provider's cache; and it retries a conflicted write, restores a status
 * someone else overwrote, and writes a re-created object.
 */
export const STATUS_OBJECT_CHANGED = 'status.object-changed';
/** An operator asked for a full re-read of the resources and a push to every router (POST /reload). */
export const RELOAD_REQUESTED = 'reload.requested';

/** Where an object was read from (standalone: file and line), so a problem with it can say so. */
export interface ObjectSource {
  file: string;
  line: number;
}

/** The key of `sources`: kind, namespace ('' when cluster-scoped) and name. */
export const sourceKey = (kind: string, namespace: string | undefined, name: string): string => `${kind}/${namespace ?? ''}/${name}`;

export interface ResourcesChangedEvent {
  snapshot: ResourceSnapshot;
  /** Why: the kinds that changed since the last event (for logs and metrics). */
  changedKinds: string[];
  /** Where each object came from, by sourceKey(), when the provider knows (files). */
  sources?: ReadonlyMap<string, ObjectSource>;
}

export type StatusKind = ObjectStatus['kind'];

export type StatusObjectChangedEvent =
  /** One object as the API server last sent it (with its status and resourceVersion). */
  | { kind: StatusKind; ref: { namespace?: string; name: string }; object: KubeObject }
  /** One object is gone. */
  | { kind: StatusKind; ref: { namespace?: string; name: string }; object: undefined }
  /** A re-list: these are every object of the kind now. */
  | { kind: StatusKind; ref?: undefined; objects: readonly KubeObject[] };

export interface ConfigTranslatedEvent {
  config: RouterConfig;
  statuses: ObjectStatus[];
  /** Objects left out of the config because the router would refuse what they translate to. */
  rejected?: RejectedObject[];
}

export interface ConfigPublishedEvent {
  version: string;
  /** Router admin URLs that acknowledged this version (empty when applied in process). */
  replicas: string[];
}

export interface LeadershipChangedEvent {
  leader: boolean;
  identity: string;
}

export type ReloadRequestedEvent = Record<string, never>;

/** Every pipeline event: name -> payload. Emitting or listening with another payload does not compile. */
export interface PipelineEvents {
  [RESOURCES_CHANGED]: ResourcesChangedEvent;
  [CONFIG_TRANSLATED]: ConfigTranslatedEvent;
  [CONFIG_PUBLISHED]: ConfigPublishedEvent;
  [LEADERSHIP_CHANGED]: LeadershipChangedEvent;
  [STATUS_OBJECT_CHANGED]: StatusObjectChangedEvent;
  [RELOAD_REQUESTED]: ReloadRequestedEvent;
}

export type PipelineEventName = keyof PipelineEvents;
