/**
 * The admin APIs' JSON body parser. Fastify's own refuses prototype-poisoning keys (`__proto__`, and
 * `constructor` holding a `prototype`) as "malformed JSON", which sends whoever reads the error
 * looking for a syntax mistake; this one names the key and where it is.
 */
import type { FastifyInstance } from 'fastify';

/** A key refused because code that merges the document could turn it into a prototype change. */
export class ForbiddenKeyError extends Error {
  constructor(
    /** JSON pointer of the key, e.g. `/listeners/0/__proto__`. */
    readonly path: string,
    readonly key: string,
  ) {
    super(`${path}: forbidden key "${key}"`);
    this.name = 'ForbiddenKeyError';
  }
}

/**
 * A request error the admin error filter maps by code (Nest turns an http-errors-shaped error into an
 * HttpException with it as the cause): the same codes as Fastify's parser, so the same answers.
 */
function bodyError(code: 'FST_ERR_CTP_INVALID_JSON_BODY' | 'FST_ERR_CTP_EMPTY_JSON_BODY', message: string): Error {
  return Object.assign(new Error(message), { code, statusCode: 400, status: 400, expose: true });
}

const escape = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function findForbiddenKey(value: unknown, at: string): ForbiddenKeyError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findForbiddenKey(value[i], `${at}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (key === '__proto__') return new ForbiddenKeyError(`${at}/__proto__`, key);
    if (key === 'constructor' && typeof child === 'object' && child !== null && Object.hasOwn(child, 'prototype')) {
      return new ForbiddenKeyError(`${at}/constructor`, key);
    }
    const found = findForbiddenKey(child, `${at}/${escape(key)}`);
    if (found) return found;
  }
  return undefined;
}

/** Parses an admin request body: syntax errors stay "malformed JSON", poisoning keys get their own error. */
export function parseAdminJson(text: string): unknown {
  if (text.length === 0) throw bodyError('FST_ERR_CTP_EMPTY_JSON_BODY', 'the body is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bodyError('FST_ERR_CTP_INVALID_JSON_BODY', (err as Error).message);
  }
  // JSON.parse makes `__proto__` an own key (harmless by itself); a later merge might not. Only a
  // text that could spell such a key is walked (an escape may spell it), not every large config.
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const found = findForbiddenKey(value, '');
    if (found) throw found;
  }
  return value;
}

/** Replaces Fastify's application/json parser with parseAdminJson (the body limit still applies). */
export function useAdminJsonParser(instance: FastifyInstance): void {
  instance.removeContentTypeParser('application/json');
  instance.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseAdminJson(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
