/**
 * The file provider stage (standalone): the YAML files under --resources become RESOURCES_CHANGED events,
 * at start, whenever a file changes (fs.watch, debounced: editors write in several steps) and on reload.
 * A file that does not parse is reported with its name and line and changes nothing: its last good
 * objects stay in the snapshot until it is fixed. An object its kind's schema refuses is reported with
 * file:line, its name and the schema path, and only that object is refused: as when the API server
 * refuses an update, its last good version from that file (if any) stays; the file's other objects apply.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { OnPipelineEvent, PipelineBus } from '../../pipeline/pipeline-bus.js';
import { SETTINGS_TOKEN } from '../../config/settings.module.js';
import type { Settings } from '../../config/settings.schema.js';
import { freezeInTests } from '../../contract/freeze.js';
import { canonicalJson } from '../../contract/config-version.js';
import { Coalescer } from '../../pipeline/coalescer.js';
import {
  CONFIG_TRANSLATED,
  RELOAD_REQUESTED,
  RESOURCES_CHANGED,
  sourceKey,
  type ConfigTranslatedEvent,
  type ObjectSource,
  type ResourcesChangedEvent,
} from '../../pipeline/pipeline.events.js';
import type { ResourceSnapshot } from '../../translator/translator.types.js';
import { buildSnapshot, FILE_EXTENSIONS, objectId, parseResourceFile, ResourceFileError, type LoadedObject } from './resource-files.js';

const WATCH_QUIET_MS = 100;

export interface FileProblem {
  file: string;
  line: number;
  column: number;
  reason: string;
  message: string;
  /** The refused object (`Kind namespace/name`), when the problem is one object's, not the file's. */
  object?: string;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && FILE_EXTENSIONS.includes(extname(e.name).toLowerCase()) && !e.name.startsWith('.'))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

@Injectable()
export class FileResourceProvider implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('FileProvider');
  private readonly dir: string;
  /** Last good objects per file (relative path). */
  private readonly good = new Map<string, LoadedObject[]>();
  private readonly problems = new Map<string, FileProblem[]>();
  /** Objects that parse but that the translator left out (the router would refuse what they make). */
  private objectProblems: FileProblem[] = [];
  private sources = new Map<string, ObjectSource>();
  private lastSnapshotKey: string | undefined;
  private watcher: FSWatcher | undefined;
  private readonly coalescer = new Coalescer({ quietMs: WATCH_QUIET_MS, maxWaitMs: 1_000 }, () => this.load(), (err) => this.log.error({ err }, 'reading resources failed'));

  constructor(
    @Inject(SETTINGS_TOKEN) settings: Settings,
    private readonly events: PipelineBus,
    private readonly eventsReady: EventEmitterReadinessWatcher,
  ) {
    this.dir = settings.resources;
  }

  async onApplicationBootstrap(): Promise<void> {
    const info = await stat(this.dir).catch(() => undefined);
    if (!info?.isDirectory()) throw new Error(`--resources ${this.dir}: not a directory`);
    await this.eventsReady.waitUntilReady();
    await this.coalescer.flush(true);
    this.watcher = watch(this.dir, { recursive: true }, () => this.coalescer.trigger());
    this.watcher.on('error', (err) => this.log.error(`watching ${this.dir} failed: ${err.message} (changes need POST /reload)`));
  }

  onApplicationShutdown(): void {
    this.watcher?.close();
    this.coalescer.close();
  }

  /** Problems of the files as they are now (each file keeps its last good objects meanwhile), then of objects in them. */
  fileProblems(): FileProblem[] {
    return [...[...this.problems.values()].flat(), ...this.objectProblems];
  }

  /** The translator's rejections, placed at the object's file and line (its log line already said so). */
  @OnPipelineEvent(CONFIG_TRANSLATED)
  onConfigTranslated(event: ConfigTranslatedEvent): void {
    this.objectProblems = (event.rejected ?? []).flatMap((r) => {
      const source = this.sources.get(sourceKey(r.kind, r.namespace, r.name));
      if (!source) return [];
      const reason = `${r.kind} ${r.namespace}/${r.name} is left out of the config: ${r.reason}`;
      return [{ file: source.file, line: source.line, column: 1, reason, message: `${source.file}:${source.line}:1: ${reason}` }];
    });
  }

  @OnPipelineEvent(RELOAD_REQUESTED)
  async reload(): Promise<void> {
    this.lastSnapshotKey = undefined;
    await this.coalescer.flush(true);
  }

  /** Reads every file again and emits RESOURCES_CHANGED when the objects changed. */
  async load(): Promise<void> {
    const files = await listFiles(this.dir);
    const present = new Set(files);
    for (const file of [...this.good.keys()]) if (!present.has(file)) this.good.delete(file);
    for (const file of [...this.problems.keys()]) if (!present.has(file)) this.problems.delete(file);
    const changedKinds = new Set<string>();
    for (const file of files) {
      const shown = join(this.dir, file);
      let text: string;
      try {
        text = await readFile(join(this.dir, file), 'utf8');
      } catch {
        continue; // removed while we listed: the next watch event catches up
      }
      const previous = this.problems.get(file) ?? [];
      const reported = new Set(previous.map((p) => p.message));
      try {
        const { objects, rejected } = parseResourceFile(shown, text);
        const lastGood = new Map((this.good.get(file) ?? []).map((o) => [objectId(o.object.kind, o.object.metadata.namespace, o.object.metadata.name), o]));
        const kept = rejected.map((r) => lastGood.get(r.id)).filter((o): o is LoadedObject => o !== undefined);
        this.good.set(file, [...objects, ...kept]);
        for (const o of objects) changedKinds.add(o.object.kind ?? '');
        const problems = rejected.map(({ file, line, column, reason, message, object }) => ({ file, line, column, reason, message, object }));
        for (const r of rejected) {
          if (reported.has(r.message)) continue;
          const keeps = lastGood.has(r.id) ? 'its last good version stays in effect' : 'left out until fixed';
          this.log.error(`${r.message} (${keeps}; the file's other objects apply)`);
        }
        if (problems.length) this.problems.set(file, problems);
        else if (this.problems.delete(file)) this.log.log(`${shown}: fixed`);
      } catch (err) {
        if (!(err instanceof ResourceFileError)) throw err;
        this.problems.set(file, [{ file: err.file, line: err.line, column: err.column, reason: err.reason, message: err.message }]);
        if (!reported.has(err.message)) {
          this.log.error(`${err.message} (${this.good.has(file) ? 'the last good version of this file stays in effect' : 'file ignored until fixed'})`);
        }
      }
    }
    const { snapshot, duplicates } = buildSnapshot(this.good);
    for (const d of duplicates) this.log.warn(d);
    const key = canonicalJson(snapshot);
    if (key === this.lastSnapshotKey) return;
    this.lastSnapshotKey = key;
    this.log.log(`${files.length} files: ${describe(snapshot)}`);
    this.sources = sourcesOf(this.good);
    const event: ResourcesChangedEvent = { snapshot: freezeInTests(snapshot), changedKinds: [...changedKinds].filter(Boolean), sources: this.sources };
    this.events.emit(RESOURCES_CHANGED, event);
  }
}

/** Where each object was read, the first definition winning as in buildSnapshot(). */
function sourcesOf(files: ReadonlyMap<string, LoadedObject[]>): Map<string, ObjectSource> {
  const out = new Map<string, ObjectSource>();
  for (const file of [...files.keys()].sort()) {
    for (const { object, file: shown, line } of files.get(file)!) {
      const key = sourceKey(object.kind ?? '', object.metadata.namespace, object.metadata.name);
      if (!out.has(key)) out.set(key, { file: shown, line });
    }
  }
  return out;
}

function describe(s: ResourceSnapshot): string {
  return [
    `${s.gatewayClasses.length} GatewayClass`,
    `${s.gateways.length} Gateway`,
    `${s.httpRoutes.length} HTTPRoute`,
    `${s.services.length} Service`,
    `${s.endpointSlices.length} EndpointSlice`,
  ].join(', ');
}
