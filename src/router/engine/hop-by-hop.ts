/**
 * Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are never forwarded, in either
 * direction; node re-frames bodies itself (Content-Length or chunked) on each side.
 */
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // The router already answered "100 Continue" itself; forwarding Expect would make the upstream wait again.
  'expect',
]);

export function isHopByHop(lowerName: string): boolean {
  return HOP_BY_HOP.has(lowerName);
}

/**
 * Strips hop-by-hop request headers in place, plus any header the Connection header names.
 * For a WebSocket upgrade, Connection/Upgrade are rewritten to the canonical pair instead.
 */
export function stripRequestHopByHop(headers: IncomingHttpHeaders, upgrade: boolean): void {
  const connection = headers.connection;
  if (connection !== undefined) {
    // The usual values name no other header; only a list needs splitting.
    const lower = connection.toLowerCase();
    if (lower !== 'keep-alive' && lower !== 'close' && lower !== 'upgrade') {
      for (const token of lower.split(',')) {
        const name = token.trim();
        if (name === '' || name === 'upgrade' || name === 'close' || name === 'keep-alive') continue;
        delete headers[name];
      }
    }
    delete headers.connection;
  }
  if (headers['keep-alive'] !== undefined) delete headers['keep-alive'];
  if (headers['proxy-connection'] !== undefined) delete headers['proxy-connection'];
  if (headers['proxy-authorization'] !== undefined) delete headers['proxy-authorization'];
  if (headers.te !== undefined) delete headers.te;
  if (headers.trailer !== undefined) delete headers.trailer;
  if (headers['transfer-encoding'] !== undefined) delete headers['transfer-encoding'];
  if (headers.expect !== undefined) delete headers.expect;
  if (upgrade) {
    headers.connection = 'upgrade';
  } else if (headers.upgrade !== undefined) {
    delete headers.upgrade;
  }
}

/**
 * Response headers to send to the client: the upstream's raw list without hop-by-hop entries
 * (nor those its Connection header names). Returns a new flat [name, value, ...] list.
 */
export function forwardableResponseHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection') named = connectionTokens(raw[i + 1], named);
      continue;
    }
    out.push(raw[i], raw[i + 1]);
  }
  if (named !== undefined) {
    let w = 0;
    for (let r = 0; r < out.length; r += 2) {
      if (named.has(out[r].toLowerCase())) continue;
      out[w] = out[r];
      out[w + 1] = out[r + 1];
      w += 2;
    }
    out.length = w;
  }
  return out;
}

function connectionTokens(value: string, into: Set<string> | undefined): Set<string> | undefined {
  // The usual upstream value ("keep-alive" or "close") names no header: skip the split (every response pays it).
  const lower = value.length <= 10 ? value.toLowerCase() : '';
  if (lower === 'keep-alive' || lower === 'close') return into;
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name.length === 0 || name === 'close' || name === 'keep-alive') continue;
    (into ??= new Set()).add(name);
  }
  return into;
}
