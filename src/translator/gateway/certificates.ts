/** HTTPS listener certificates: certificateRefs -> PEM pairs, with the reason when they cannot be used. */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { CORE_GROUP, GATEWAY_GROUP } from '../objects.js';
import type { ReferenceGrants } from '../reference-grants.js';
import type { CertificateRef } from '../../gateway-api/types.js';
import type { Gateway, Secret } from '../translator.types.js';

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateResolution {
  pairs: KeyPair[];
  /** First problem found (ResolvedRefs=False reason + message), if any. */
  problem?: { reason: 'InvalidCertificateRef' | 'RefNotPermitted'; message: string };
}

function decode(value: unknown): string | undefined {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}

/** Parses both PEMs and checks the key belongs to the certificate; returns why not, or undefined. */
function keyPairProblem(certPem: string, keyPem: string): string | undefined {
  try {
    const cert = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key)) return 'tls.key does not match tls.crt';
    return undefined;
  } catch (err) {
    return `malformed certificate or key (${(err as Error).message})`;
  }
}

export function resolveCertificates(
  gateway: Gateway,
  certificateRefs: readonly CertificateRef[],
  secrets: ReadonlyMap<string, Secret>,
  grants: ReferenceGrants,
): CertificateResolution {
  const gatewayNs = gateway.metadata.namespace ?? 'default';
  const pairs: KeyPair[] = [];
  let problem: CertificateResolution['problem'];
  const fail = (reason: 'InvalidCertificateRef' | 'RefNotPermitted', message: string) => {
    problem ??= { reason, message };
  };
  if (certificateRefs.length === 0) fail('InvalidCertificateRef', 'HTTPS listener has no certificateRefs');
  for (const ref of certificateRefs) {
    const group = ref.group ?? CORE_GROUP;
    const kind = ref.kind ?? 'Secret';
    const ns = ref.namespace ?? gatewayNs;
    const what = `${ns}/${ref.name}`;
    if (group !== CORE_GROUP || kind !== 'Secret') {
      fail('InvalidCertificateRef', `certificateRef ${group}/${kind} ${what}: only core Secrets are supported`);
      continue;
    }
    const allowed = grants.allows(
      { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gatewayNs },
      { group: CORE_GROUP, kind: 'Secret', namespace: ns, name: ref.name },
    );
    if (!allowed) {
      fail('RefNotPermitted', `certificateRef Secret ${what} is in another namespace and no ReferenceGrant allows it`);
      continue;
    }
    const secret = secrets.get(`${ns}/${ref.name}`);
    if (!secret) {
      fail('InvalidCertificateRef', `Secret ${what} not found`);
      continue;
    }
    if (secret.type !== 'kubernetes.io/tls') {
      fail('InvalidCertificateRef', `Secret ${what} is of type ${secret.type ?? 'Opaque'}, not kubernetes.io/tls`);
      continue;
    }
    const certPem = decode(secret.data?.['tls.crt']);
    const keyPem = decode(secret.data?.['tls.key']);
    if (!certPem || !keyPem) {
      fail('InvalidCertificateRef', `Secret ${what} lacks tls.crt or tls.key`);
      continue;
    }
    const bad = keyPairProblem(certPem, keyPem);
    if (bad) {
      fail('InvalidCertificateRef', `Secret ${what}: ${bad}`);
      continue;
    }
    pairs.push({ certPem, keyPem });
  }
  return problem ? { pairs, problem } : { pairs };
}
