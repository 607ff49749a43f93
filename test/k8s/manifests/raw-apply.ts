/**
 * Server-side apply of plain manifest objects, as `kubectl apply --server-side` sends them.
 * client-node's typed (de)serializer is bypassed on purpose: it renames fields that are reserved
 * words (NetworkPolicy `from` becomes `_from`) and would silently drop them from a plain object.
 * Discovery (kind -> resource path) is client-node's own.
 */
import * as k8s from '@kubernetes/client-node';
import { request } from 'node:https';

export interface RawResponse {
  status: number;
  body: any;
}

class PathResolver extends k8s.KubernetesObjectApi {
  path(spec: k8s.KubernetesObject): Promise<string> {
    return this.specUriPath({ ...spec, metadata: { ...spec.metadata } }, 'patch');
  }
}

export class RawApply {
  private readonly resolver: PathResolver;

  constructor(
    kubeConfig: k8s.KubeConfig,
    private readonly server: string,
    private readonly ca: Buffer,
    private readonly token: string,
  ) {
    this.resolver = kubeConfig.makeApiClient(PathResolver);
  }

  /** PATCH with application/apply-patch+yaml, unknown or duplicate fields rejected (fieldValidation=Strict). */
  async apply(object: k8s.KubernetesObject, fieldManager: string): Promise<RawResponse> {
    const path = await this.resolver.path(object);
    const query = new URLSearchParams({ fieldManager, force: 'true', fieldValidation: 'Strict' });
    return this.send('PATCH', `${path}?${query}`, JSON.stringify(object), 'application/apply-patch+yaml');
  }

  async get(object: k8s.KubernetesObject): Promise<RawResponse> {
    return this.send('GET', await this.resolver.path(object));
  }

  private send(method: string, path: string, body?: string, contentType?: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
      if (contentType) headers['content-type'] = contentType;
      const req = request(`${this.server}${path}`, { method, ca: this.ca, headers, timeout: 30_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timeout ${method} ${path}`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
