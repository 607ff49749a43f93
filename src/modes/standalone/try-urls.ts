/**
 * The friendly part of `npm start`: curl commands that exercise the live routes, derived from the
 * config itself (listeners, hostnames, path and header matches), so they stay true when examples change.
 */
import type { RouterConfig } from '../../contract/router-config.schema.js';

const MAX_LINES = 8;

function quote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function tryCommands(config: RouterConfig): string[] {
  const lines: string[] = [];
  for (const l of config.listeners) {
    const scheme = l.protocol === 'HTTPS' ? 'https' : 'http';
    const host = !l.address || l.address === '0.0.0.0' || l.address === '127.0.0.1' || l.address === '::' ? 'localhost' : l.address.includes(':') ? `[${l.address}]` : l.address;
    for (const v of l.virtualHosts) {
      const name = v.hostnames.find((h) => h !== '*' && !h.startsWith('*.'));
      for (const r of v.routes) {
        if (lines.length >= MAX_LINES) return lines;
        const path = r.match.path && r.match.path.type !== 'RegularExpression' ? r.match.path.value : '/';
        const args = [scheme === 'https' ? 'curl -k' : 'curl'];
        if (name) args.push('-H', quote(`Host: ${name}`));
        for (const h of r.match.headers ?? []) if (h.type !== 'RegularExpression') args.push('-H', quote(`${h.name}: ${h.value}`));
        if (r.match.method && r.match.method !== 'GET') args.push('-X', r.match.method);
        const query = (r.match.queryParams ?? []).filter((q) => q.type !== 'RegularExpression').map((q) => `${encodeURIComponent(q.name)}=${encodeURIComponent(q.value)}`);
        args.push(quote(`${scheme}://${host}:${l.port}${path}${query.length ? `?${query.join('&')}` : ''}`));
        const line = args.join(' ');
        if (!lines.includes(line)) lines.push(line);
      }
    }
  }
  return lines;
}
