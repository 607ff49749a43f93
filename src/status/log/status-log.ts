/**
 * Standalone has no API server to write status to: each object's status is logged when it changes, one
 * readable line per object (conditions as Type=Status, with reason and message when not True), and
 * served in full at GET /status.
 */
import { Injectable, Logger } from '@nestjs/common';
import { OnPipelineEvent } from '../../pipeline/pipeline-bus.js';
import { CONFIG_TRANSLATED, type ConfigTranslatedEvent } from '../../pipeline/pipeline.events.js';
import { statusCanon } from '../../translator/status-canon.js';
import type { ObjectStatus } from '../../translator/translator.types.js';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function conditionsText(conditions: unknown): string {
  if (!Array.isArray(conditions)) return '';
  return (conditions as Condition[])
    .map((c) => `${c.type}=${c.status}${c.status !== 'True' && (c.reason || c.message) ? ` (${[c.reason, c.message].filter(Boolean).join(': ')})` : ''}`)
    .join(' ');
}

/** One line: the object's own conditions, its listeners' (Gateway) or its parents' (HTTPRoute). */
export function statusLine(s: ObjectStatus): { text: string; healthy: boolean } {
  const name = `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
  const st = s.status as { conditions?: unknown; listeners?: { name?: string; conditions?: unknown }[]; parents?: { parentRef?: { name?: string; sectionName?: string }; conditions?: unknown }[] };
  const parts: string[] = [];
  const own = conditionsText(st.conditions);
  if (own) parts.push(own);
  for (const l of st.listeners ?? []) parts.push(`listener ${l.name}: ${conditionsText(l.conditions)}`);
  for (const p of st.parents ?? []) parts.push(`parent ${p.parentRef?.name ?? '?'}${p.parentRef?.sectionName ? `/${p.parentRef.sectionName}` : ''}: ${conditionsText(p.conditions)}`);
  const text = `${name}: ${parts.join('; ') || 'no conditions'}`;
  return { text, healthy: !/=(False|Unknown)/.test(parts.join(' ')) };
}

@Injectable()
export class StatusLog {
  private readonly log = new Logger('Status');
  private readonly last = new Map<string, string>();

  @OnPipelineEvent(CONFIG_TRANSLATED)
  onConfigTranslated(event: ConfigTranslatedEvent): void {
    const seen = new Set<string>();
    for (const s of event.statuses) {
      const id = `${s.kind}/${s.namespace ?? ''}/${s.name}`;
      seen.add(id);
      const key = statusCanon(s.status);
      if (this.last.get(id) === key) continue;
      this.last.set(id, key);
      const { text, healthy } = statusLine(s);
      if (healthy) this.log.log(text);
      else this.log.warn(text);
    }
    for (const id of [...this.last.keys()]) if (!seen.has(id)) this.last.delete(id);
  }
}
