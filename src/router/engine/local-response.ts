/**
 * Answers the router gives itself (no route, invalid backends, no healthy endpoint, timeouts,
 * redirects), on a ServerResponse or, before/after an upgrade, on a raw socket.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

const BODIES = new Map<number, string>();
function bodyFor(status: number): string {
  let body = BODIES.get(status);
  if (body === undefined) {
    body = `${status} ${STATUS_CODES[status] ?? ''}\n`;
    BODIES.set(status, body);
  }
  return body;
}

/** Ends `res` with a short text body; destroys it instead when headers are already out. */
export function sendLocal(res: ServerResponse, status: number, extra?: readonly string[]): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = bodyFor(status);
  const headers = ['content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(body))];
  if (extra !== undefined) headers.push(...extra);
  res.writeHead(status, headers);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** A complete HTTP/1.1 response written to a socket the HTTP server no longer owns, then closed. */
export function sendRawLocal(socket: Duplex, status: number, extra?: readonly string[]): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = bodyFor(status);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n`;
  if (extra !== undefined) for (let i = 0; i < extra.length; i += 2) head += `${extra[i]}: ${extra[i + 1]}\r\n`;
  socket.end(`${head}\r\n${body}`);
}
