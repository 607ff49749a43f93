/**
 * ObjectMeta as the API server checks it for custom resources (every CRD's schema says only
 * `metadata: {type: object}`, and the generated kinds use this instead): a DNS-1123 subdomain name, a
 * DNS-1123 label namespace, string labels and annotations, and no fields ObjectMeta does not have.
 */
import { Type, type Static } from '@sinclair/typebox';

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

export const ObjectMeta = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN }),
    generateName: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: DNS_LABEL })),
    uid: Type.Optional(Type.String()),
    resourceVersion: Type.Optional(Type.String()),
    generation: Type.Optional(Type.Integer()),
    creationTimestamp: Type.Optional(Type.String()),
    deletionTimestamp: Type.Optional(Type.String()),
    deletionGracePeriodSeconds: Type.Optional(Type.Integer()),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
    ownerReferences: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    finalizers: Type.Optional(Type.Array(Type.String())),
    managedFields: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    selfLink: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type ObjectMeta = Static<typeof ObjectMeta>;
