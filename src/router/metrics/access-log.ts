/**
 * The access log: one JSON line per finished request (or a sampled share), written from the engine's
 * onRequest hook. Off by default; it costs a pino write per logged request.
 */
import type { Logger } from 'pino';
import type { RequestObservation } from '../workers/engine-port.js';

export type RequestObserver = (o: RequestObservation) => void;

export function createAccessLog(logger: Logger, sample: number): RequestObserver | undefined {
  if (sample <= 0) return undefined;
  const log = logger.child({ log: 'access' });
  if (sample >= 1) return (o) => log.info(o);
  return (o) => {
    if (Math.random() < sample) log.info(o);
  };
}

/** The one hook handed to the engine: metrics always, the access log when enabled. */
export function requestObserver(metrics: RequestObserver, accessLog: RequestObserver | undefined): RequestObserver {
  if (!accessLog) return metrics;
  return (o) => {
    metrics(o);
    accessLog(o);
  };
}
