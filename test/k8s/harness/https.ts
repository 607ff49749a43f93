// Minimal HTTPS GET against the test apiserver (Node's fetch cannot take a
// custom CA without undici, which we do not depend on).
import { request } from 'node:https';

export function httpsGet(url: string, opts: { ca: Buffer | string; token?: string; timeoutMs?: number }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: opts.ca, headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {}, timeout: opts.timeoutMs ?? 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}
