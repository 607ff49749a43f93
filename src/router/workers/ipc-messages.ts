/**
 * Messages between the primary (admin API, config owner) and its traffic workers over node:cluster IPC.
 * Every request carries an id; the worker answers with the same id.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { ConfigDelta, RouterConfig } from '../../contract/router-config.schema.js';
import type { EndpointHealth } from './engine-port.js';

export type PrimaryRequest =
  | { type: 'serval:apply'; id: number; config: RouterConfig }
  /** Apply to the worker's own copy (answered like serval:apply; code DELTA_MISMATCH: send the config whole). */
  | { type: 'serval:apply-delta'; id: number; delta: ConfigDelta }
  | { type: 'serval:health'; id: number }
  | { type: 'serval:metrics'; id: number };

/** Sent without an answer: the worker drains and exits. */
export interface DrainCommand {
  type: 'serval:drain';
  drainMs: number;
}

export type WorkerReply =
  | { type: 'serval:applied'; id: number; ok: true }
  | { type: 'serval:applied'; id: number; ok: false; reason: string; code?: string }
  | { type: 'serval:health'; id: number; endpoints: EndpointHealth[] }
  | { type: 'serval:metrics'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] };

/** Sent once the worker's engine exists and it can take a config. */
export interface WorkerReady {
  type: 'serval:ready';
}

export type WorkerMessage = WorkerReply | WorkerReady;

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('serval:');
}

export function isPrimaryMessage(m: unknown): m is PrimaryRequest | DrainCommand {
  return isWorkerMessage(m);
}
