import { createHash } from 'node:crypto';
import type { ListenerConfig, ListenerHeaderConfig, RouterConfig } from './router-config.schema.js';

/**
 * JSON with object keys sorted, so equal documents hash equally whatever their key order. The replacer
 * copies each object with its keys inserted in sorted order (measured ~1.6x faster than sorting entries
 * and rebuilding with Object.fromEntries); this runs on every translation of thousands of routes.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortKeys);
}

function sortKeys(_key: string, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
  return sorted;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The identity caches of content hashing (docs/ARCHITECTURE.md, "Identity caches"). Every entry is a
 * pure function of an object's content, keyed by the object: correct only because config documents and
 * their pieces are never mutated once built or received (SERVAL_FREEZE_INPUTS freezes them in tests).
 * One per process (VERSION_CACHE), deliberately shared: the translator hashes pieces for its own
 * reuse checks, and the publisher's diff and the version then find those hashes made.
 */
export class VersionCache {
  /** Content hashes of virtual hosts and pools (and any JSON object that is never mutated). */
  readonly pieceHashes = new WeakMap<object, string>();
  /** Chunks of piece lists by their first piece. A chunk is valid wherever the same pieces follow that piece. */
  readonly chunks = new WeakMap<object, Chunk>();
  /** Versions computed per document. */
  readonly versions = new WeakMap<RouterConfig, string>();
}

/** The process's VersionCache, owned by src/contract (the hashing functions below are its only users). */
export const VERSION_CACHE = new VersionCache();
const { pieceHashes, chunks, versions } = VERSION_CACHE;

/** The content hash of one virtual host or pool (or any JSON object that is never mutated). */
export function pieceHash(piece: object): string {
  let hash = pieceHashes.get(piece);
  if (hash === undefined) {
    hash = sha256(canonicalJson(piece)).slice(0, 32);
    pieceHashes.set(piece, hash);
  }
  return hash;
}

/** A listener without its virtual hosts. */
export function listenerHeader(listener: ListenerConfig): ListenerHeaderConfig {
  const { virtualHosts: _vhosts, ...header } = listener;
  return header;
}

/**
 * A list of pieces is hashed in content-defined chunks: a piece whose hash starts with a byte divisible
 * by CHUNK_SPAN ends a chunk (so about one in CHUNK_SPAN does), and so does the end of the list. The
 * boundaries go with the content, not the positions: inserting or removing a piece changes only the
 * chunk around it, and a list of thousands is rehashed in a few chunk digests.
 */
const CHUNK_SPAN = 32;

interface Chunk {
  /** The pieces, first to last; the last ends the chunk (or ended its list). */
  readonly pieces: readonly object[];
  readonly digest: string;
  /** The last piece is a boundary (else the chunk is valid only at the end of a list). */
  readonly closed: boolean;
}

function endsChunk(hash: string): boolean {
  return parseInt(hash.slice(0, 2), 16) % CHUNK_SPAN === 0;
}

/** Whether `list` holds the chunk's very pieces from `start` on (and ends there, for an open chunk). */
function chunkFits(list: readonly object[], start: number, chunk: Chunk): boolean {
  const n = chunk.pieces.length;
  if (start + n > list.length || (!chunk.closed && start + n !== list.length)) return false;
  for (let i = 0; i < n; i++) if (list[start + i] !== chunk.pieces[i]) return false;
  return true;
}

/** The digests of a list's chunks, concatenated: a pure function of the pieces' content and order. */
function listDigest(list: readonly object[]): string {
  let out = '';
  let start = 0;
  while (start < list.length) {
    let chunk = chunks.get(list[start]!);
    if (chunk === undefined || !chunkFits(list, start, chunk)) {
      let end = start;
      let text = '';
      let closed = false;
      while (end < list.length && !closed) {
        const hash = pieceHash(list[end++]!);
        text += hash;
        closed = endsChunk(hash);
      }
      chunk = { pieces: list.slice(start, end), digest: sha256(text).slice(0, 32), closed };
      chunks.set(list[start]!, chunk);
    }
    out += chunk.digest;
    start += chunk.pieces.length;
  }
  return out;
}

/**
 * The version of a document: a hash over its listeners' own fields and the chunk digests of its virtual
 * hosts and pools (a hash tree, so it costs about the changed chunks when few pieces changed). Equal
 * content, equal version, whatever the key order; the version field itself is left out.
 */
export function configVersion(config: RouterConfig): string {
  let version = versions.get(config);
  if (version !== undefined) return version;
  // Piece hashes are fixed-width hex and canonical JSON has no raw newline: the layout is unambiguous.
  const parts: string[] = [];
  for (const l of config.listeners) parts.push(canonicalJson(listenerHeader(l)), listDigest(l.virtualHosts));
  parts.push('pools', listDigest(config.pools));
  version = sha256(parts.join('\n')).slice(0, 16);
  versions.set(config, version);
  return version;
}

/**
 * The document with its content's version: itself when the version it carries is that (a lookup for a
 * document hashed before, as every one that passed parseRouterConfig was), a copy otherwise. Never
 * trusts a version it did not compute.
 */
export function withVersion(config: RouterConfig): RouterConfig {
  const version = configVersion(config);
  if (config.version === version) return config;
  const versioned = { ...config, version };
  versions.set(versioned, version);
  return versioned;
}
