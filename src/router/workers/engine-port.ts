/**
 * What the process side needs from the proxy engine (src/router/engine), and how engine options come
 * from Settings. Types are the engine's own; only the factory seam lives here so tests can start an
 * engine the same way the router does.
 */
import type { Settings } from '../../config/settings.schema.js';
import { RouterEngine, type RouterEngineOptions, type RequestObservation, type EndpointHealth, type InternalErrorHook } from '../engine/router-engine.js';

export type { RouterEngine, RouterEngineOptions, RequestObservation, EndpointHealth, InternalErrorHook };

/** The engine surface the workers layer uses (the real RouterEngine satisfies it structurally). */
export type Engine = Pick<RouterEngine, 'apply' | 'config' | 'swapCount' | 'endpointHealth' | 'boundAddresses' | 'close'>;
export type EngineFactory = (options: RouterEngineOptions) => Engine;

/** Settings that shape the engine (the rest of Settings is the process's business). */
export type EngineSettings = Pick<
  Settings,
  | 'maxHeaderSize'
  | 'maxHeaderCount'
  | 'headersTimeout'
  | 'requestTimeout'
  | 'idleTimeout'
  | 'upstreamConnectTimeout'
  | 'upstreamTimeout'
  | 'upstreamIdleTimeout'
  | 'ejectionTime'
>;

export function engineOptions(settings: EngineSettings, onRequest?: (o: RequestObservation) => void, onInternalError?: InternalErrorHook): RouterEngineOptions {
  return {
    limits: {
      maxHeaderSize: settings.maxHeaderSize,
      maxHeaderCount: settings.maxHeaderCount,
      headersTimeoutMs: settings.headersTimeout,
      requestTimeoutMs: settings.requestTimeout,
      idleTimeoutMs: settings.idleTimeout,
    },
    upstream: {
      connectTimeoutMs: settings.upstreamConnectTimeout,
      defaultTimeoutMs: settings.upstreamTimeout,
      idleTimeoutMs: settings.upstreamIdleTimeout,
      ejectionTimeMs: settings.ejectionTime,
    },
    ...(onRequest ? { onRequest } : {}),
    ...(onInternalError ? { onInternalError } : {}),
  };
}

/** The real engine. */
export const createRouterEngine: EngineFactory = (options) => new RouterEngine(options);
