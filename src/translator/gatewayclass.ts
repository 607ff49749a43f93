/** GatewayClass: which classes are ours, whether we accept them, and their status. */
import { condition, mergeConditions, type NewCondition } from './conditions.js';
import { SUPPORTED_BUNDLE_VERSIONS, SUPPORTED_FEATURES } from './features.js';
import { compareStrings } from './objects.js';
import type { GatewayClass, ObjectStatus, TranslatorOptions } from './translator.types.js';

export interface ClassState {
  name: string;
  accepted: boolean;
  reason: string;
  message: string;
}


/** Our classes, by name. We have no parameters kind, so any parametersRef is invalid. */
export function evaluateGatewayClasses(classes: readonly GatewayClass[], options: TranslatorOptions): Map<string, ClassState> {
  const ours = classes
    .filter((c) => c.spec?.controllerName === options.controllerName)
    .sort((a, b) => compareStrings(a.metadata.name, b.metadata.name));
  const states = new Map<string, ClassState>();
  for (const cls of ours) {
    const ref = cls.spec?.parametersRef;
    states.set(
      cls.metadata.name,
      ref
        ? {
            name: cls.metadata.name,
            accepted: false,
            reason: 'InvalidParameters',
            message: `parametersRef ${ref.group ?? ''}/${ref.kind}/${ref.name} is not supported: this controller takes no parameters`,
          }
        : { name: cls.metadata.name, accepted: true, reason: 'Accepted', message: 'Accepted by this controller' },
    );
  }
  return states;
}

function supportedVersionCondition(version: string | null | undefined, generation: number | undefined): NewCondition | undefined {
  if (version === undefined) return undefined;
  if (version === null) {
    return condition('SupportedVersion', false, 'UnsupportedVersion', 'the Gateway API CRDs carry no bundle-version annotation', generation);
  }
  const minor = /^v?(\d+)\.(\d+)/.exec(version);
  const ok = minor !== null && SUPPORTED_BUNDLE_VERSIONS.includes(`v${minor[1]}.${minor[2]}`);
  return ok
    ? condition('SupportedVersion', true, 'SupportedVersion', `Gateway API ${version} is supported`, generation)
    : condition('SupportedVersion', false, 'UnsupportedVersion', `Gateway API ${version} is not supported (supported: ${SUPPORTED_BUNDLE_VERSIONS.join(', ')})`, generation);
}

export function gatewayClassStatus(cls: GatewayClass, state: ClassState, options: TranslatorOptions, now: string): ObjectStatus {
  const generation = cls.metadata.generation;
  const owned: NewCondition[] = [condition('Accepted', state.accepted, state.reason, state.message, generation)];
  const version = supportedVersionCondition(options.gatewayApiBundleVersion, generation);
  if (version) owned.push(version);
  // Without version knowledge we leave an existing SupportedVersion condition alone.
  const ownedTypes = new Set(owned.map((c) => c.type));
  return {
    kind: 'GatewayClass',
    name: cls.metadata.name,
    status: {
      conditions: mergeConditions(cls.status?.conditions, owned, ownedTypes, now),
      supportedFeatures: SUPPORTED_FEATURES.map((name) => ({ name })),
    },
  };
}
