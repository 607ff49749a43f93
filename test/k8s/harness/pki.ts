// Key material for the test apiserver. The serving certificate is not made
// here: kube-apiserver generates a self-signed one into --cert-dir itself.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServiceAccountKeys {
  privateKeyFile: string;
  publicKeyFile: string;
}

/** RSA key pair that signs (apiserver) and verifies ServiceAccount tokens; KCM signs legacy token secrets with it too. */
export function writeServiceAccountKeys(dir: string): ServiceAccountKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const privateKeyFile = join(dir, 'sa.key');
  const publicKeyFile = join(dir, 'sa.pub');
  writeFileSync(privateKeyFile, privateKey, { mode: 0o600 });
  writeFileSync(publicKeyFile, publicKey);
  return { privateKeyFile, publicKeyFile };
}

export interface StaticToken {
  token: string;
  user: string;
  groups: string[];
}

/**
 * --token-auth-file: one static bearer token per component. The admin is in
 * system:masters (bypasses RBAC); the controller-manager gets its own user so
 * RBAC applies to it like in a real cluster (its bootstrap roles exist).
 */
export function writeTokenFile(dir: string): { file: string; admin: StaticToken; controllerManager: StaticToken } {
  const admin = { token: randomBytes(24).toString('hex'), user: 'serval-admin', groups: ['system:masters'] };
  const controllerManager = { token: randomBytes(24).toString('hex'), user: 'system:kube-controller-manager', groups: [] };
  const line = (t: StaticToken, uid: string) => [t.token, t.user, uid, ...(t.groups.length ? [`"${t.groups.join(',')}"`] : [])].join(',');
  const file = join(dir, 'tokens.csv');
  writeFileSync(file, [line(admin, 'uid-admin'), line(controllerManager, 'uid-kcm')].join('\n') + '\n', { mode: 0o600 });
  return { file, admin, controllerManager };
}
