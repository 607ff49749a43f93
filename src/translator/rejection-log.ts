/**
 * One log line per object the translator left out (see output-guard.ts) when it starts being left out
 * or for another reason, and one when it is served again: translations repeat with every change
 * elsewhere, the lines do not. Names the object's kind, namespace and name, and its file:line when the
 * provider knows where it came from (standalone).
 */
import type { Logger } from '@nestjs/common';
import { sourceKey, type ObjectSource } from '../pipeline/pipeline.events.js';
import type { RejectedObject } from './translator.types.js';

export class RejectionLog {
  /** The provider's last word on where objects came from. */
  sources: ReadonlyMap<string, ObjectSource> | undefined;
  private last = new Map<string, string>();

  constructor(private readonly log: Logger) {}

  report(rejected: readonly RejectedObject[]): void {
    if (rejected.length === 0 && this.last.size === 0) return;
    const now = new Map<string, string>();
    for (const r of rejected) {
      const key = sourceKey(r.kind, r.namespace, r.name);
      now.set(key, r.reason);
      if (this.last.get(key) === r.reason) continue;
      const source = this.sources?.get(key);
      const at = source ? `${source.file}:${source.line}: ` : '';
      this.log.error(
        { kind: r.kind, namespace: r.namespace, name: r.name, ...(source ? { file: source.file, line: source.line } : {}), reason: r.reason },
        `${at}${r.kind} ${r.namespace}/${r.name} is left out of the config (everything else still applies): ${r.reason}`,
      );
    }
    for (const key of this.last.keys()) if (!now.has(key)) this.log.log(`${key.replace('/', ' ')} is no longer left out of the config`);
    this.last = now;
  }
}
