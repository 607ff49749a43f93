/**
 * The HTTP server under an admin API (router and standalone): Fastify with the body limit, JSON only,
 * and the client timeouts the traffic listeners have. Fastify's defaults leave node's 60 s headers
 * timeout checked every 30 s and no request timeout, so a slowloris client holds a connection for
 * a minute or more; here headers, whole requests and idle keep-alive are bounded by the settings.
 */
import http from 'node:http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Settings } from '../config/settings.schema.js';
import { useAdminJsonParser } from './admin-json.js';

export type AdminHttpSettings = Pick<Settings, 'adminBodyLimit' | 'headersTimeout' | 'requestTimeout' | 'idleTimeout'>;

export function adminFastifyAdapter(settings: AdminHttpSettings): FastifyAdapter {
  const requestTimeout = settings.requestTimeout;
  // node requires headersTimeout <= requestTimeout (when the latter is set).
  const headersTimeout = requestTimeout > 0 ? Math.min(settings.headersTimeout, requestTimeout) : settings.headersTimeout;
  const adapter = new FastifyAdapter({
    bodyLimit: settings.adminBodyLimit,
    // Fastify sets these two on the server after serverFactory: they must agree with it.
    requestTimeout,
    keepAliveTimeout: settings.idleTimeout,
    serverFactory: (handler: http.RequestListener) =>
      http.createServer(
        {
          headersTimeout,
          requestTimeout,
          keepAliveTimeout: settings.idleTimeout,
          // How often node enforces the two timeouts (default 30 s: far too coarse for a slowloris guard).
          connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 4))),
        },
        handler,
      ),
  });
  const instance = adapter.getInstance();
  // JSON only: a text/plain body is a wrong content type (415), not a string to validate.
  instance.removeContentTypeParser('text/plain');
  useAdminJsonParser(instance);
  return adapter;
}
