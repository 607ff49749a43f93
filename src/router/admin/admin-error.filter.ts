/**
 * Every admin API failure answers `{error, path, reason}`: `path` is the JSON pointer of the first
 * problem in the document (empty when the problem is not inside it). Terminus' readiness body passes
 * through unchanged.
 */
import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ConfigDeltaMismatchError } from '../../contract/config-delta.js';
import { ConfigValidationError } from '../../contract/validate-config.js';
import { ForbiddenKeyError } from '../../process/admin-json.js';
import { ConfigApplyError } from '../workers/config-applier.js';

export interface AdminErrorBody {
  error: string;
  path: string;
  reason: string;
}

/** Fastify's own request errors (body parsing), by code. */
const FASTIFY_ERRORS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty JSON body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad content length',
};

export function toAdminError(exception: unknown): { status: number; body: unknown } {
  if (exception instanceof ConfigValidationError) {
    return { status: 400, body: { error: 'invalid config', path: exception.path, reason: exception.reason } };
  }
  if (exception instanceof ForbiddenKeyError) {
    return { status: 400, body: { error: 'forbidden key', path: exception.path, reason: `"${exception.key}" keys are refused: they could change an object's prototype` } };
  }
  if (exception instanceof ConfigDeltaMismatchError) {
    // The delta is fine but not for the config this router holds: the sender sends the whole config.
    return { status: 412, body: { error: 'delta does not apply', path: '', reason: exception.message } };
  }
  if (exception instanceof ConfigApplyError) {
    return { status: exception.status, body: { error: 'config not applied', path: '', reason: exception.reason } };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    // Terminus (and anything else that shapes its own body) keeps its body; Nest's default shape is normalized.
    if (typeof response === 'object' && response !== null && !('statusCode' in response)) return { status, body: response };
    const code = (exception.cause as { code?: unknown } | undefined)?.code;
    const error = (typeof code === 'string' && FASTIFY_ERRORS[code]) || (STATUS_CODES[status] ?? 'error').toLowerCase();
    const reason = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
    return { status, body: { error, path: '', reason } };
  }
  return { status: 500, body: { error: 'internal error', path: '', reason: 'see the router log' } };
}

@Catch()
export class AdminErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('RouterAdmin');

  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body } = toAdminError(exception);
    if (status >= 500 && !(exception instanceof ConfigApplyError) && !(exception instanceof HttpException)) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
  }
}
