import { createHash } from 'node:crypto';
import type { RouterConfig } from './router-config.schema.js';

/** JSON with object keys sorted, so equal documents hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The version of a document: a content hash of everything but the version field itself. */
export function configVersion(config: RouterConfig): string {
  const { version: _ignored, ...content } = config;
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 16);
}

/** Keeps a version the sender set (the control plane hashes the same way); computes it otherwise. */
export function withVersion(config: RouterConfig): RouterConfig {
  return config.version ? config : { ...config, version: configVersion(config) };
}
