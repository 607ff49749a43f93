/** ReferenceGrant checks: may an object in one namespace refer to an object in another? */
import type { ReferenceGrant } from './translator.types.js';

export interface ReferenceFrom {
  group: string;
  kind: string;
  namespace: string;
}

export interface ReferenceTo {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export class ReferenceGrants {
  private readonly byNamespace = new Map<string, ReferenceGrant[]>();

  constructor(grants: readonly ReferenceGrant[]) {
    for (const grant of grants) {
      const ns = grant.metadata.namespace ?? 'default';
      const list = this.byNamespace.get(ns) ?? [];
      list.push(grant);
      this.byNamespace.set(ns, list);
    }
  }

  /** Same-namespace references are always allowed; others need a grant in the target's namespace. */
  allows(from: ReferenceFrom, to: ReferenceTo): boolean {
    if (from.namespace === to.namespace) return true;
    return (this.byNamespace.get(to.namespace) ?? []).some((grant) => {
      const spec: Partial<ReferenceGrant['spec']> = grant.spec ?? {};
      const fromOk = (spec.from ?? []).some(
        (f) => (f.group ?? '') === from.group && f.kind === from.kind && f.namespace === from.namespace,
      );
      const toOk = (spec.to ?? []).some(
        (t) => (t.group ?? '') === to.group && t.kind === to.kind && (t.name === undefined || t.name === '' || t.name === to.name),
      );
      return fromOk && toOk;
    });
  }
}
