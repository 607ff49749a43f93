// Writes kubeconfig files (token auth) that kubectl, client-node and the
// controller under test can all read.
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  /** PEM file the server certificate chains to. */
  caFile: string;
  user: string;
  token: string;
  namespace?: string;
}

export function writeKubeconfig(path: string, opts: KubeconfigOptions): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'serval-test',
        cluster: { server: opts.server, 'certificate-authority-data': readFileSync(opts.caFile).toString('base64') },
      },
    ],
    users: [{ name: opts.user, user: { token: opts.token } }],
    contexts: [
      {
        name: opts.user,
        context: { cluster: 'serval-test', user: opts.user, ...(opts.namespace ? { namespace: opts.namespace } : {}) },
      },
    ],
    'current-context': opts.user,
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}
