/**
 * HTTPRoute filters -> router filters. Unsupported filter types and values make the rule invalid
 * (UnsupportedValue); a mirror whose backend cannot be resolved is left out and reported in ResolvedRefs.
 */
import {
  HeaderName,
  type BackendFilterConfig,
  type FilterConfig,
  type HeaderModifierConfig,
  type PathModifierConfig,
} from '../../contract/router-config.schema.js';
import type { HTTPBackendRefFilter, HTTPHeaderModifier, HTTPPathModifier, HTTPRequestMirror, HTTPRouteFilter } from '../../gateway-api/types.js';
import type { BackendResolution, BackendResolver } from '../backends/backends.js';

const HEADER_NAME = new RegExp(HeaderName.pattern!);

export interface FilterResult {
  filters: FilterConfig[];
  /** Pools the filters use (mirrors), to register when the rule is placed. */
  pools: string[];
  /** UnsupportedValue messages: the rule cannot be served as written. */
  unsupported: string[];
  /** Failed backend references (mirrors). */
  refProblems: NonNullable<BackendResolution['problem']>[];
}

function headerModifier(m: HTTPHeaderModifier | undefined, where: string, unsupported: string[]): HeaderModifierConfig {
  const out: HeaderModifierConfig = {};
  const pairs = (list: HTTPHeaderModifier['set']) =>
    (list ?? []).map((h) => {
      if (!HEADER_NAME.test(h.name ?? '')) unsupported.push(`${where}: invalid header name "${h.name}"`);
      return { name: h.name, value: h.value ?? '' };
    });
  if (m?.set?.length) out.set = pairs(m.set);
  if (m?.add?.length) out.add = pairs(m.add);
  if (m?.remove?.length) {
    for (const name of m.remove) if (!HEADER_NAME.test(name)) unsupported.push(`${where}: invalid header name "${name}"`);
    out.remove = [...m.remove];
  }
  return out;
}

function pathModifier(p: HTTPPathModifier | undefined): PathModifierConfig | undefined {
  if (!p) return undefined;
  if (p.type === 'ReplaceFullPath') return { type: 'ReplaceFullPath', value: p.replaceFullPath ?? '/' };
  if (p.type === 'ReplacePrefixMatch') return { type: 'ReplacePrefixMatch', value: p.replacePrefixMatch ?? '/' };
  return undefined;
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

function mirrorPercent(m: Partial<HTTPRequestMirror>): number | undefined {
  if (typeof m.percent === 'number') return m.percent;
  if (m.fraction && typeof m.fraction.numerator === 'number') {
    const denominator = m.fraction.denominator ?? 100;
    return denominator > 0 ? Math.min(100, (m.fraction.numerator * 100) / denominator) : 0;
  }
  return undefined;
}

export function translateFilters(filters: readonly HTTPRouteFilter[] | undefined, routeNamespace: string, backends: BackendResolver): FilterResult {
  const result: FilterResult = { filters: [], pools: [], unsupported: [], refProblems: [] };
  for (const f of filters ?? []) {
    switch (f.type) {
      case 'RequestHeaderModifier':
        result.filters.push({ type: f.type, requestHeaderModifier: headerModifier(f.requestHeaderModifier, f.type, result.unsupported) });
        break;
      case 'ResponseHeaderModifier':
        result.filters.push({ type: f.type, responseHeaderModifier: headerModifier(f.responseHeaderModifier, f.type, result.unsupported) });
        break;
      case 'RequestRedirect': {
        const r = f.requestRedirect ?? {};
        const statusCode = r.statusCode ?? 302;
        if (!REDIRECT_CODES.has(statusCode)) result.unsupported.push(`RequestRedirect: status code ${statusCode} is not supported`);
        const redirect: Extract<FilterConfig, { type: 'RequestRedirect' }>['requestRedirect'] = {};
        if (r.scheme) redirect.scheme = r.scheme;
        if (r.hostname) redirect.hostname = r.hostname;
        if (r.port) redirect.port = r.port;
        const path = pathModifier(r.path);
        if (path) redirect.path = path;
        redirect.statusCode = statusCode;
        result.filters.push({ type: 'RequestRedirect', requestRedirect: redirect });
        break;
      }
      case 'URLRewrite': {
        const r = f.urlRewrite ?? {};
        const rewrite: Extract<FilterConfig, { type: 'URLRewrite' }>['urlRewrite'] = {};
        if (r.hostname) rewrite.hostname = r.hostname;
        const path = pathModifier(r.path);
        if (path) rewrite.path = path;
        result.filters.push({ type: 'URLRewrite', urlRewrite: rewrite });
        break;
      }
      case 'RequestMirror': {
        // The CRD requires both (an object that lacks them never passed validation).
        const m: Partial<HTTPRequestMirror> = f.requestMirror ?? {};
        const resolved = backends.resolve(m.backendRef ?? { name: '' }, routeNamespace);
        if (!resolved.pool) {
          result.refProblems.push(resolved.problem!);
          break;
        }
        const percent = mirrorPercent(m);
        result.pools.push(resolved.pool);
        result.filters.push({ type: 'RequestMirror', requestMirror: percent === undefined ? { pool: resolved.pool } : { pool: resolved.pool, percent } });
        break;
      }
      case 'CORS': {
        const c = f.cors ?? {};
        const cors: Extract<FilterConfig, { type: 'CORS' }>['cors'] = {};
        if (c.allowOrigins?.length) cors.allowOrigins = [...c.allowOrigins];
        if (c.allowMethods?.length) cors.allowMethods = [...c.allowMethods];
        if (c.allowHeaders?.length) cors.allowHeaders = [...c.allowHeaders];
        if (c.exposeHeaders?.length) cors.exposeHeaders = [...c.exposeHeaders];
        if (typeof c.allowCredentials === 'boolean') cors.allowCredentials = c.allowCredentials;
        if (typeof c.maxAge === 'number') cors.maxAge = c.maxAge;
        result.filters.push({ type: 'CORS', cors });
        break;
      }
      case 'ExtensionRef': {
        const ref: Partial<NonNullable<HTTPRouteFilter['extensionRef']>> = f.extensionRef ?? {};
        result.unsupported.push(`ExtensionRef filter ${ref.group ?? ''}/${ref.kind}/${ref.name} is not supported`);
        break;
      }
      default:
        result.unsupported.push(`filter type ${f.type} is not supported`);
    }
  }
  return result;
}

/** backendRef filters: only header modifiers are supported per backend. */
export function translateBackendFilters(filters: readonly HTTPBackendRefFilter[] | undefined, unsupported: string[]): BackendFilterConfig[] {
  const out: BackendFilterConfig[] = [];
  for (const f of filters ?? []) {
    if (f.type === 'RequestHeaderModifier') {
      out.push({ type: f.type, requestHeaderModifier: headerModifier(f.requestHeaderModifier, `backendRef ${f.type}`, unsupported) });
    } else if (f.type === 'ResponseHeaderModifier') {
      out.push({ type: f.type, responseHeaderModifier: headerModifier(f.responseHeaderModifier, `backendRef ${f.type}`, unsupported) });
    } else {
      unsupported.push(`backendRef filter type ${f.type} is not supported`);
    }
  }
  return out;
}
