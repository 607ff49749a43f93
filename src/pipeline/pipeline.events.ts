/**
 * The events that carry typed snapshots between the pipeline's stages (provider -> translator ->
 * publisher / status writer). Stages never call each other; they emit and listen on these names.
 */
import type { RouterConfig } from '../contract/router-config.schema.js';
import type { ObjectStatus, ResourceSnapshot } from '../translator/translator.types.js';

export const RESOURCES_CHANGED = 'resources.changed';
export const CONFIG_TRANSLATED = 'config.translated';

export interface ResourcesChangedEvent {
  snapshot: ResourceSnapshot;
  /** Why: the kinds that changed since the last event (for logs and metrics). */
  changedKinds: string[];
}

export interface ConfigTranslatedEvent {
  config: RouterConfig;
  statuses: ObjectStatus[];
}
