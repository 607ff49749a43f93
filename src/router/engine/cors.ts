/**
 * CORS filter (Gateway API HTTPCORSFilter, GEP-1767), compiled once per config: answers preflights
 * at the router and decorates actual responses when the Origin is allowed. Origins are exact
 * ("https://a.example"), "*" (any), or with a wildcard host label ("https://*.example.com").
 */
import type { Static } from '@sinclair/typebox';
import type { Cors } from '../../contract/router-config.schema.js';

export interface CompiledCors {
  readonly anyOrigin: boolean;
  readonly origins: ReadonlySet<string>;
  readonly originPatterns: readonly RegExp[];
  readonly allowMethods: string;
  readonly anyMethod: boolean;
  readonly allowHeaders: string;
  readonly anyHeader: boolean;
  readonly exposeHeaders: string;
  readonly allowCredentials: boolean;
  readonly maxAge: string | undefined;
}

const DEFAULT_METHODS = 'GET, HEAD, POST';

export function compileCors(config: Static<typeof Cors>): CompiledCors {
  const origins = new Set<string>();
  const originPatterns: RegExp[] = [];
  let anyOrigin = false;
  for (const origin of config.allowOrigins ?? []) {
    if (origin === '*') anyOrigin = true;
    else if (origin.includes('*')) originPatterns.push(wildcardOrigin(origin));
    else origins.add(origin.toLowerCase());
  }
  const methods = config.allowMethods ?? [];
  const headers = config.allowHeaders ?? [];
  return {
    anyOrigin,
    origins,
    originPatterns,
    allowMethods: methods.length === 0 ? DEFAULT_METHODS : methods.filter((m) => m !== '*').join(', '),
    anyMethod: methods.includes('*'),
    allowHeaders: headers.filter((h) => h !== '*').join(', '),
    anyHeader: headers.includes('*'),
    exposeHeaders: (config.exposeHeaders ?? []).join(', '),
    allowCredentials: config.allowCredentials === true,
    maxAge: config.maxAge === undefined ? undefined : String(config.maxAge),
  };
}

function wildcardOrigin(origin: string): RegExp {
  const escaped = origin.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}

export function originAllowed(cors: CompiledCors, origin: string): boolean {
  if (cors.anyOrigin) return true;
  const lower = origin.toLowerCase();
  if (cors.origins.has(lower)) return true;
  for (let i = 0; i < cors.originPatterns.length; i++) if (cors.originPatterns[i].test(lower)) return true;
  return false;
}

/** A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(method: string | undefined, origin: string | undefined, requestMethod: string | undefined): boolean {
  return method === 'OPTIONS' && origin !== undefined && requestMethod !== undefined;
}

/** Headers of the router's own preflight answer (an empty list when the origin is not allowed). */
export function preflightHeaders(cors: CompiledCors, origin: string, requestMethod: string, requestHeaders: string | undefined): string[] {
  if (!originAllowed(cors, origin)) return [];
  const out = allowOriginHeaders(cors, origin);
  out.push('access-control-allow-methods', cors.anyMethod ? requestMethod : cors.allowMethods);
  const allowHeaders = cors.anyHeader && requestHeaders ? requestHeaders : cors.allowHeaders;
  if (allowHeaders.length !== 0) out.push('access-control-allow-headers', allowHeaders);
  // Not read by browsers on a preflight, but Gateway API conformance (HTTPRouteCORS) expects it there too.
  if (cors.exposeHeaders.length !== 0) out.push('access-control-expose-headers', cors.exposeHeaders);
  if (cors.maxAge !== undefined) out.push('access-control-max-age', cors.maxAge);
  return out;
}

/** Appends the CORS headers of an actual (non-preflight) response to a flat header list. */
export function decorateResponse(cors: CompiledCors, origin: string, raw: string[]): void {
  if (!originAllowed(cors, origin)) return;
  raw.push(...allowOriginHeaders(cors, origin));
  if (cors.exposeHeaders.length !== 0) raw.push('access-control-expose-headers', cors.exposeHeaders);
}

function allowOriginHeaders(cors: CompiledCors, origin: string): string[] {
  // "*" cannot carry credentials (Fetch standard): echo the origin instead, and say the answer varies by it.
  if (cors.anyOrigin && !cors.allowCredentials) return ['access-control-allow-origin', '*'];
  const out = ['access-control-allow-origin', origin, 'vary', 'Origin'];
  if (cors.allowCredentials) out.push('access-control-allow-credentials', 'true');
  return out;
}
