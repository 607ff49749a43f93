/**
 * Changes need `Authorization: Bearer <ADMIN_TOKEN>` when a token is set; reads are open. This runs as
 * middleware (Fastify's onRequest) so an unauthenticated caller is refused before its body is read.
 */
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SETTINGS_TOKEN } from '../config/settings.module.js';
import type { Settings } from '../config/settings.schema.js';
import { bearerChecker } from './admin-security.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

@Injectable()
export class AdminTokenMiddleware implements NestMiddleware {
  private readonly authorized: ((authorization: string | undefined) => boolean) | undefined;

  constructor(@Inject(SETTINGS_TOKEN) settings: Settings) {
    this.authorized = settings.adminToken ? bearerChecker(settings.adminToken) : undefined;
  }

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    if (!this.authorized || READ_METHODS.has(req.method ?? 'GET') || this.authorized(req.headers.authorization)) return next();
    res.statusCode = 401;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('www-authenticate', 'Bearer');
    // The body is never read: close the connection rather than leave unread bytes on it.
    res.setHeader('connection', 'close');
    res.end(JSON.stringify({ error: 'unauthorized', path: '', reason: 'changes need Authorization: Bearer <admin token>' }));
  }
}
