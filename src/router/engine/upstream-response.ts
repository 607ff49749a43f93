/**
 * Upstream responses that go wrong after they started: the framing checks a response gets before its
 * head is passed on, and the watch that cuts a response body when the upstream falls silent.
 *
 * The forwarder holds an upstream's status and headers back until the first body byte (or the end)
 * is written to the client. node sends a head only with the first write anyway, so nothing changes
 * on the wire; but until then a failure (a protocol error, a timeout, a reset) can still be answered
 * with a proper 502/504 instead of an empty reply.
 */
import http from 'node:http';
import { TimeoutList, type TimeoutNode } from './timeout-list.js';

type WriteCallback = (err?: Error | null) => void;
type AnyWrite = (this: http.ServerResponse, chunk: unknown, encoding?: unknown, cb?: unknown) => boolean;
type AnyEnd = (this: http.ServerResponse, chunk?: unknown, encoding?: unknown, cb?: unknown) => unknown;
const baseWrite = http.ServerResponse.prototype.write as unknown as AnyWrite;
const baseEnd = http.ServerResponse.prototype.end as unknown as AnyEnd;

/** A client response that relays an upstream one: holds its head until the first body write. */
export abstract class RelayResponse extends http.ServerResponse {
  /** The upstream's headers (flat list) while held; statusCode already holds its status. */
  pendingHead: string[] | undefined = undefined;
  pendingReason: string | undefined = undefined;
  /** Body chunks written to the client so far (the idle watch's measure of progress). */
  bodyWrites = 0;
  idleMark = 0;

  /** node refused the held head (bad header bytes): answer 502 instead. */
  protected abstract headRefused(): void;

  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    if (this.pendingHead !== undefined && !this.commitHead()) return true;
    this.bodyWrites++;
    return baseWrite.call(this, chunk, encoding, cb);
  }

  override end(chunk?: unknown, encoding?: BufferEncoding | (() => void), cb?: () => void): this {
    if (this.pendingHead !== undefined && !this.commitHead()) return this;
    baseEnd.call(this, chunk, encoding, cb);
    return this;
  }

  private commitHead(): boolean {
    const headers = this.pendingHead!;
    this.pendingHead = undefined;
    try {
      this.writeHead(this.statusCode, this.pendingReason, headers);
      return true;
    } catch {
      this.headRefused();
      return false;
    }
  }
}

/**
 * True for a 204 that announces a body (RFC 9110 15.3.5, RFC 9112 6.1: it must not). node's client
 * ignores such a body and then fails on its bytes as if they were the next response; what the upstream
 * meant is unknowable, so the response is refused as a whole (502, kind protocol). A stray
 * `Content-Length: 0` is harmless and common, so it passes.
 */
export function bodilessStatusWithBody(status: number, raw: readonly string[]): boolean {
  if (status !== 204) return false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === 'transfer-encoding') return true;
    if (name === 'content-length' && raw[i + 1].trim() !== '0') return true;
  }
  return false;
}

/** What the idle watch reads from a response being relayed. */
export interface IdleWatched extends TimeoutNode {
  /** Body chunks written to the client so far. */
  bodyWrites: number;
  /** bodyWrites when the watch last looked. */
  idleMark: number;
  /** The client is not taking what it was sent: the upstream is paused by us, not silent. */
  readonly writableNeedDrain: boolean;
}

/**
 * Cuts response bodies whose upstream sent nothing for idleMs (routes without timeouts have no other
 * bound: a stalled body would hang forever). One TimeoutList, not a timer per response; a chunk costs
 * one increment, and each expiry either finds progress (and looks again idleMs later) or calls onStall.
 * So a stall is detected between idleMs and 2 x idleMs after the last chunk.
 */
export class IdleWatch<T extends IdleWatched> {
  private readonly list: TimeoutList<T>;

  constructor(idleMs: number, onStall: (item: T) => void) {
    this.list = new TimeoutList<T>(idleMs, (item) => {
      if (item.bodyWrites === item.idleMark && !item.writableNeedDrain) return onStall(item);
      this.watch(item, performance.now());
    });
  }

  /** Starts (or restarts) watching; item must be in no TimeoutList. TimeoutList.cancel(item) stops it. */
  watch(item: T, now: number): void {
    item.idleMark = item.bodyWrites;
    this.list.add(item, now);
  }

  close(): void {
    this.list.close();
  }
}
