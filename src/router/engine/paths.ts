/**
 * Pure path helpers with Gateway API semantics: request-target splitting and normalization,
 * segment-aware prefixes, ReplacePrefixMatch / ReplaceFullPath, redirect Location headers.
 */

/** A PathPrefix value without its trailing slash; "/" becomes "" (matches every path). */
export function prefixKey(prefix: string): string {
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}

/** Segment-aware prefix test: key "/foo" matches "/foo", "/foo/", "/foo/bar", not "/foobar". */
export function matchesPrefixKey(path: string, key: string): boolean {
  if (key.length === 0) return true;
  if (!path.startsWith(key)) return false;
  return path.length === key.length || path.charCodeAt(key.length) === 47; /* / */
}

/**
 * ReplacePrefixMatch: replaces the matched prefix with `replacement`, element by element, ignoring
 * trailing slashes on both (spec table: /foo/bar with prefix /foo and "/xyz/" -> /xyz/bar; /foo with "" -> /).
 */
export function replacePrefixMatch(path: string, matchedKey: string, replacement: string): string {
  const rest = path.slice(matchedKey.length);
  let head = prefixKey(replacement);
  if (head.length !== 0 && head.charCodeAt(0) !== 47) head = '/' + head;
  const result = head + rest;
  if (result.length === 0) return '/';
  return result.charCodeAt(0) === 47 ? result : '/' + result;
}

/** "/a/b?x=1" -> ["/a/b", "?x=1"] (the query keeps its "?"; "" when absent). */
export function splitTarget(target: string): [path: string, query: string] {
  const q = target.indexOf('?');
  return q === -1 ? [target, ''] : [target.slice(0, q), target.slice(q)];
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * RFC 3986 normalization of the path the router matches and forwards: percent-encoded unreserved
 * characters decoded (so %2e%2e is ".."), then dot segments removed. Without it "/public/../admin"
 * would match a /public route and reach the upstream as /admin. Most paths take the fast exit.
 */
export function normalizePath(path: string): string {
  if (path.indexOf('%') === -1 && path.indexOf('/.') === -1) return path;
  let decoded = path;
  if (path.indexOf('%') !== -1) {
    decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (whole, hex: string) => {
      const ch = String.fromCharCode(parseInt(hex, 16));
      return UNRESERVED.test(ch) ? ch : whole.toUpperCase();
    });
    if (decoded.indexOf('/.') === -1) return decoded;
  }
  return removeDotSegments(decoded);
}

function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  // segments[0] is "" for an absolute path.
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    if (s === '.') {
      if (i === segments.length - 1) out.push('');
    } else if (s === '..') {
      out.pop();
      if (i === segments.length - 1) out.push('');
    } else {
      out.push(s);
    }
  }
  return '/' + out.join('/');
}

export interface RedirectTarget {
  scheme?: 'http' | 'https';
  hostname?: string;
  port?: number;
}

/**
 * Location of a RequestRedirect (Gateway API HTTPRequestRedirectFilter): scheme defaults to the
 * listener's; hostname to the request's; port to the redirect port, else the well-known port of an
 * explicit scheme, else the listener port; the port is left out when it is the scheme's default.
 */
export function redirectLocation(
  redirect: RedirectTarget,
  request: { scheme: 'http' | 'https'; host: string; listenerPort: number },
  path: string,
  query: string,
): string {
  const scheme = redirect.scheme ?? request.scheme;
  const host = redirect.hostname ?? request.host;
  const port = redirect.port ?? (redirect.scheme ? defaultPort(redirect.scheme) : request.listenerPort);
  const portPart = port === defaultPort(scheme) ? '' : `:${port}`;
  return `${scheme}://${host}${portPart}${path}${query}`;
}

export function defaultPort(scheme: 'http' | 'https'): number {
  return scheme === 'https' ? 443 : 80;
}
