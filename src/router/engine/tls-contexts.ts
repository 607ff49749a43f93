/**
 * TLS certificates of an HTTPS listener, compiled at apply time into SecureContexts picked by SNI:
 * exact name, then wildcard, then the listener default (its first certificate). Contexts are cached
 * by content hash, so re-applying 1,000 unchanged certificates costs no OpenSSL work.
 */
import { createHash, X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { CertificateConfig } from '../../contract/router-config.schema.js';
import { ConfigValidationError } from '../../contract/validate-config.js';
import { HostIndex } from './host-index.js';

export interface CompiledTls {
  readonly byName: HostIndex<tls.SecureContext>;
  readonly defaultContext: tls.SecureContext;
  /** PEMs of the default certificate, for https.Server#setSecureContext (clients without SNI). */
  readonly defaultPem: { cert: string; key: string };
  /** Changes exactly when any certificate or key changes. */
  readonly fingerprint: string;
  /** Cache keys of its contexts (a compile that reuses this table keeps them cached). */
  readonly hashes: readonly string[];
}

export class SecureContextCache {
  private contexts = new Map<string, tls.SecureContext>();
  private used = new Set<string>();

  get(cert: CertificateConfig, at: string): { context: tls.SecureContext; hash: string } {
    const hash = createHash('sha256').update(cert.certPem).update('\0').update(cert.keyPem).digest('hex');
    this.used.add(hash);
    let context = this.contexts.get(hash);
    if (context === undefined) {
      try {
        context = tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem });
      } catch (err) {
        // OpenSSL's message names the problem, never the key material.
        throw new ConfigValidationError(at, `invalid certificate or key: ${(err as Error).message}`);
      }
      this.contexts.set(hash, context);
    }
    return { context, hash };
  }

  /** Marks the contexts of a table compiled earlier and reused as is as used by this compile. */
  keep(compiled: CompiledTls): void {
    for (const hash of compiled.hashes) this.used.add(hash);
  }

  /** Drops contexts the last compiled config did not use. */
  sweep(): void {
    for (const hash of this.contexts.keys()) if (!this.used.has(hash)) this.contexts.delete(hash);
    this.used = new Set();
  }
}

export function compileTls(certificates: readonly CertificateConfig[], cache: SecureContextCache, at: string): CompiledTls {
  const byName = new HostIndex<tls.SecureContext>();
  const hashes: string[] = [];
  let defaultContext: tls.SecureContext | undefined;
  certificates.forEach((cert, i) => {
    const { context, hash } = cache.get(cert, `${at}/${i}`);
    hashes.push(hash);
    defaultContext ??= context;
    for (const name of cert.hostnames ?? certificateDnsNames(cert.certPem)) byName.add(name, context);
  });
  return {
    byName,
    defaultContext: defaultContext!,
    defaultPem: { cert: certificates[0].certPem, key: certificates[0].keyPem },
    fingerprint: hashes.join(','),
    hashes,
  };
}

/** DNS names of the certificate's subjectAltName, used when the config lists no hostnames. */
function certificateDnsNames(pem: string): string[] {
  try {
    const san = new X509Certificate(pem).subjectAltName ?? '';
    return san
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('DNS:'))
      .map((s) => s.slice(4));
  } catch {
    return [];
  }
}

export function selectContext(compiled: CompiledTls, servername: string): tls.SecureContext {
  const name = servername.toLowerCase();
  return compiled.byName.lookup(name.endsWith('.') ? name.slice(0, -1) : name) ?? compiled.defaultContext;
}
