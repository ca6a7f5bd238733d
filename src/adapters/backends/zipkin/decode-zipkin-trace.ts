/**
 * Converts a Zipkin v2 trace, `GET {zipkin}/api/v2/trace/{traceId}` (trace-backends.md §4), into the
 * domain Trace.
 *
 * The reply is a bare JSON array of spans in no particular order (openzipkin `zipkin2-api.yaml`):
 * µs `timestamp`/`duration`, `localEndpoint.serviceName`, string tags, and an `id` that a client and
 * a server span may share. The model needs unique span ids, so records are reconciled the way Zipkin
 * itself does it (zipkin2 `Trace.merge` and `SpanNode.Builder`):
 *
 * - **Shared spans.** With B3 "join" (Brave's default) the server half of an RPC reuses the client's
 *   span id and says `shared: true`. The client half keeps the id; the server half becomes
 *   `<id>:shared` (then `<id>:shared:2`, `:3`, … for further distinct halves) with the client half as
 *   its parent, as Zipkin's UI nests it. Spans whose parent is `<id>` and whose service is the server
 *   half's are re-parented onto it, like `SpanNode.Builder` matching a child to the shared parent by
 *   local endpoint; otherwise the server's own work would hang off the client. A SERVER span that
 *   lacks the flag but shares a CLIENT span's id is treated as shared (`Trace.merge` backfills the
 *   flag the same way: "some instrumentation doesn't add it"). A server half whose client half is
 *   missing simply keeps `<id>`.
 * - **Exact duplicates.** Zipkin instrumentation may report one span in several records (e.g. a late
 *   annotation). Records with the same id and kind (and, for shared halves, the same service) are
 *   merged like `Span.Builder.merge`: the first record's fields win, missing ones (name, service,
 *   parent, duration) are filled from later records, and the error flag is the union.
 * - **Other id clashes.** A record whose id is taken by a span of another kind keeps its own parent
 *   and becomes `<id>:<kind>` (`<id>:span` when the kind is unrecognised).
 * - **No timestamp.** A record without a timestamp cannot be placed on the timeline: it is merged into
 *   its span when another record of it has one, else skipped and counted. A missing duration is a
 *   zero-length span (Zipkin, too, treats duration 0 as unset).
 *
 * Derived ids all contain `:`, so they can never equal a real (hex) span id. As in
 * decode-stored-trace.ts, a body that is not a trace throws `backend_bad_response`, while a few
 * malformed spans are skipped so the rest can still be shown.
 */
import { randomInt } from 'node:crypto';

import { LsslackError } from '../../../domain/errors.js';
import type { Span, SpanKind, Trace } from '../../../domain/types.js';
import { isZeroId, spanIdFromHex, traceIdFromHex } from '../ids.js';
import { UNKNOWN_SERVICE, UNKNOWN_OPERATION, micros, nonEmptyString, isObject, makeSpan } from '../span-fields.js';


/** Kind codes, per record in a typed array. A missing `kind` is a local span (zipkin2-api.yaml). */
const KIND_UNRECOGNISED = 0;
const KIND_INTERNAL = 1;
const KIND_SERVER = 2;
const KIND_CLIENT = 3;
const KIND_PRODUCER = 4;
const KIND_CONSUMER = 5;

const MODEL_KIND: readonly (SpanKind | undefined)[] = [undefined, 'internal', 'server', 'client', 'producer', 'consumer'];
/** Suffix of a derived id per kind code. */
const KIND_SUFFIX: readonly string[] = ['span', 'internal', 'server', 'client', 'producer', 'consumer'];

const KIND_BY_NAME: ReadonlyMap<string, number> = new Map([
  ['SERVER', KIND_SERVER],
  ['CLIENT', KIND_CLIENT],
  ['PRODUCER', KIND_PRODUCER],
  ['CONSUMER', KIND_CONSUMER],
]);

/** Flag bits, per record in a typed array. */
const F_ERROR = 1;
const F_SHARED = 2;
const F_TIMESTAMP = 4;
const F_DURATION = 8;
/** The record took the plain id in the server pass (no client half to hang from). */
const F_SERVER_OWNS_ID = 16;
/** The record is a server half hanging from the client half of its id. */
const F_UNDER_CLIENT = 32;
/** The record is one of the trace's spans (not merged into another, not skipped). */
const F_PLACED = 64;
/** Dated server or shared record, placed in the second pass. */
const F_DEFERRED = 128;

/** Longest walk along one id's list of server halves (see `findHalf`). */
const MAX_HALF_WALK = 64;


/**
 * Decodes a Zipkin v2 span array.
 *
 * @param json - the parsed response body (the caller maps HTTP 404 to not-found before this)
 * @returns the trace: trace id as 32 hex, span ids as 16 hex (or derived ids, see above), times in epoch µs
 * @throws LsslackError `backend_bad_response` when the body is not a span array or holds no usable span
 */
export function decodeZipkinTrace(json: unknown): Trace {
  if (!Array.isArray(json)) throw badResponse('response body is not a JSON array of spans');
  if (json.length === 0) throw badResponse('trace has no spans');

  const records = new Records(json.length);
  for (let i = 0; i < json.length; i++) records.add(json[i], i);
  const spans = records.reconcile();
  if (spans.length === 0) {
    throw badResponse(`all ${records.skipped} spans are invalid (first problem: ${records.firstProblem ?? 'unknown'})`);
  }
  const traceId = records.traceText === undefined ? undefined : traceIdFromHex(records.traceText);
  return traceId === undefined ? { spans } : { traceId, spans };
}

/**
 * The decoded records: a Span per record, built as it is read (the same single allocation per span
 * as the other decoders), plus per-record kind and flags in typed arrays. Reconciling replaces the
 * Span of a record only when it changes it (merge, derived id, new parent), which in a trace
 * without shared spans is never.
 */
class Records {
  /** One per valid record, with its plain id; an undated record's startUs is a placeholder. */
  readonly spans: Span[] = [];
  readonly kind: Uint8Array;
  readonly flags: Uint8Array;
  /** Records without a timestamp: their slots, and their positions in the reply for messages. */
  readonly undated: number[] = [];
  readonly undatedSource: number[] = [];
  /**
   * Dated server and shared records, placed after the others: their slots, plain ids and parents
   * as written. A shared record's Span is built as the server half it almost always is (derived id,
   * the client half as parent), so the common case costs no second allocation.
   */
  readonly servers: number[] = [];
  readonly serverIds: string[] = [];
  readonly serverParents: (string | undefined)[] = [];
  /** Server halves, as linked lists hanging off the slot owning the plain id (see `placeServer`). */
  private firstHalf = new Int32Array(0);
  private nextHalf = new Int32Array(0);
  /** Per owner slot: how many derived halves it has (for the next `:shared:<n>` suffix). */
  private halfCount = new Int32Array(0);
  /** Records merged into another (their own Span is not output). */
  private dropped = 0;
  skipped = 0;
  firstProblem: string | undefined;
  /** The longest trace id seen, as written: Zipkin `Trace.merge` also keeps the 128-bit form. */
  traceText: string | undefined;

  /** Plain ids and `<id>:<kind>` ids → the slot holding them; filled by `add` for ordinary records. */
  private readonly byId: IdTable;

  constructor(capacity: number) {
    this.kind = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.byId = new IdTable(this.spans, capacity);
  }

  private skip(reason: string): void {
    this.skipped++;
    this.firstProblem ??= reason;
  }

  /** Validates one array entry into the next slot, or counts it as skipped. */
  add(raw: unknown, i: number): void {
    if (!isObject(raw)) return this.skip(`spans[${i}] is not an object`);
    const idText = raw.id;
    const spanId = typeof idText === 'string' ? spanIdFromHex(idText) : undefined;
    if (spanId === undefined) return this.skip(`spans[${i}] has no valid id`);
    const rawDuration = raw.duration;
    const duration = rawDuration === undefined || rawDuration === null ? 0 : micros(rawDuration);
    if (duration === undefined) return this.skip(`spans[${i}] has no valid duration`);
    const timestamp = micros(raw.timestamp);

    const slot = this.spans.length;
    const kind = kindOf(raw.kind);
    const shared = raw.shared === true;
    const parentId = parentOf(raw.parentId);
    let flags = 0;
    let builtId = spanId;
    let builtParent = parentId;
    if (timestamp === undefined) {
      this.undated.push(slot);
      this.undatedSource.push(i);
    } else {
      flags |= F_TIMESTAMP;
      if (shared || kind === KIND_SERVER) {
        this.servers.push(slot);
        this.serverIds.push(spanId);
        this.serverParents.push(parentId);
        flags |= F_DEFERRED;
        if (shared) {
          builtId = `${spanId}:shared`;
          builtParent = spanId;
        }
      }
    }
    if (duration !== 0) flags |= F_DURATION;
    if (shared) flags |= F_SHARED;
    this.flags[slot] = flags;
    this.kind[slot] = kind;
    const tags = raw.tags;
    const isError = isObject(tags) && tags.error !== undefined;
    const endpoint = raw.localEndpoint;
    const service = (isObject(endpoint) ? nonEmptyString(endpoint.serviceName) : undefined) ?? UNKNOWN_SERVICE;
    const name = nonEmptyString(raw.name) ?? UNKNOWN_OPERATION;
    const startUs = timestamp ?? 0;
    this.spans.push(makeSpan(builtId, builtParent, service, name, startUs, startUs + duration, isError, MODEL_KIND[kind]));
    // Pass 1 of reconcile, while the id is still in cache: a second walk over 100k scattered id
    // strings cost as much as reading the records. Same order as a separate pass (slot order).
    if ((flags & F_TIMESTAMP) !== 0 && (flags & F_DEFERRED) === 0) this.placeUnshared(slot, this.byId);
    const traceText = raw.traceId;
    if (typeof traceText === 'string' && (this.traceText === undefined || traceText.length > this.traceText.length)) {
      if (traceIdFromHex(traceText) !== undefined) this.traceText = traceText;
    }
  }

  /**
   * Gives every record its final id (see the file comment), merging duplicates.
   *
   * @returns the trace's spans, in the order their records came
   */
  reconcile(): Span[] {
    const spans = this.spans;
    const n = spans.length;
    const byId = this.byId;
    // Pass 1 (every non-server span, so a client half owns its id whatever the array order) ran in `add`.
    // Pass 2: server and shared spans.
    let underClient = 0;
    if (this.servers.length > 0) {
      this.firstHalf = new Int32Array(n).fill(-1);
      this.nextHalf = new Int32Array(n).fill(-1);
      this.halfCount = new Int32Array(n);
      for (let k = 0; k < this.servers.length; k++) underClient += this.placeServer(k, byId);
    }
    // Pass 3: records without a timestamp can only add to a span placed above.
    for (let k = 0; k < this.undated.length; k++) {
      const s = this.undated[k]!;
      const target = this.mergeTarget(s, byId);
      if (target < 0) this.skip(`spans[${this.undatedSource[k]!}] has no timestamp`);
      else this.merge(target, s, this.spans[s]!.parentId);
    }
    if (underClient > 0) this.reparentOntoHalves(byId);
    if (this.dropped === 0 && this.undated.length === 0) return spans;
    const placed: Span[] = [];
    for (let s = 0; s < n; s++) if ((this.flags[s]! & F_PLACED) !== 0) placed.push(spans[s]!);
    return placed;
  }

  /** A non-shared, non-server record: owns its id, merges into its twin, or gets `<id>:<kind>`. */
  private placeUnshared(s: number, byId: IdTable): void {
    const owner = byId.insert(this.spans[s]!.spanId, s);
    if (owner === s) this.flags[s]! |= F_PLACED;
    else if (this.kind[owner] === this.kind[s]) this.merge(owner, s, this.spans[s]!.parentId);
    else this.placeByKind(s, byId);
  }

  /** `<id>:<kind>` for a record whose id a span of another kind holds; merges into an earlier one. */
  private placeByKind(s: number, byId: IdTable): void {
    const span = this.spans[s]!;
    const key = `${span.spanId}:${KIND_SUFFIX[this.kind[s]!]!}`;
    const twin = byId.indexOf(key);
    if (twin >= 0) {
      this.merge(twin, s, span.parentId);
      return;
    }
    this.spans[s] = makeSpan(key, span.parentId, span.service, span.name, span.startUs, span.endUs, span.isError, span.kind);
    byId.insert(key, s);
    this.flags[s]! |= F_PLACED;
  }

  /** Places `servers[k]`. @returns 1 when it became a server half under a client half, else 0 */
  private placeServer(k: number, byId: IdTable): number {
    const s = this.servers[k]!;
    const id = this.serverIds[k]!;
    let span = this.spans[s]!;
    const owner = byId.indexOf(id);
    if (owner < 0) {
      // No client half in the trace: this span is the only holder of the id and keeps its parent.
      if (span.spanId !== id) {
        span = makeSpan(id, this.serverParents[k], span.service, span.name, span.startUs, span.endUs, span.isError, span.kind);
        this.spans[s] = span;
      }
      byId.insert(id, s);
      this.flags[s]! |= F_PLACED | F_SERVER_OWNS_ID;
      return 0;
    }
    const ownerFlags = this.flags[owner]!;
    const ownerIsServer = (ownerFlags & F_SERVER_OWNS_ID) !== 0;
    const shared =
      (this.flags[s]! & F_SHARED) !== 0 || (!ownerIsServer && this.kind[owner] === KIND_CLIENT && this.kind[s] === KIND_SERVER);
    if (!shared) {
      if (this.kind[owner] === this.kind[s] && (ownerFlags & F_SHARED) === 0) this.merge(owner, s, span.parentId);
      else this.placeByKind(s, byId);
      return 0;
    }
    const twin = this.findHalf(owner, this.kind[s]!, span.service);
    if (twin >= 0) {
      this.merge(twin, s, this.serverParents[k]);
      return 0;
    }
    const count = ++this.halfCount[owner]!;
    this.nextHalf[s] = this.firstHalf[owner]!;
    this.firstHalf[owner] = s;
    this.flags[s]! |= F_PLACED;
    // The client half is the parent. A second server half next to a server that holds the id
    // itself has no client half to hang from and keeps its own parent. A flagged record was built
    // as the first half under a client half (see `add`); anything else is built again.
    const builtAsFirstHalf = (this.flags[s]! & F_SHARED) !== 0 && count === 1 && !ownerIsServer;
    if (!builtAsFirstHalf) {
      const derived = count === 1 ? `${id}:shared` : `${id}:shared:${count}`;
      const parentId = ownerIsServer ? this.serverParents[k] : id;
      this.spans[s] = makeSpan(derived, parentId, span.service, span.name, span.startUs, span.endUs, span.isError, span.kind);
    }
    if (ownerIsServer) return 0;
    this.flags[s]! |= F_UNDER_CLIENT;
    return 1;
  }

  /**
   * The server half of `owner`'s id with this kind and service (the owner itself when it is a server
   * holding the id), or -1. The walk is capped: past that many halves of one id, which no real trace
   * has, a duplicate becomes one more half instead of costing quadratic time.
   */
  private findHalf(owner: number, kind: number, service: string): number {
    if ((this.flags[owner]! & F_SERVER_OWNS_ID) !== 0 && this.kind[owner] === kind && this.spans[owner]!.service === service) return owner;
    let steps = 0;
    for (let h = this.firstHalf[owner]!; h >= 0 && steps < MAX_HALF_WALK; h = this.nextHalf[h]!, steps++) {
      if (this.kind[h] === kind && this.spans[h]!.service === service) return h;
    }
    return -1;
  }

  /** The placed record an undated one belongs to (same id and kind, and service for a server half), or -1. */
  private mergeTarget(s: number, byId: IdTable): number {
    const span = this.spans[s]!;
    const kind = this.kind[s]!;
    const owner = byId.indexOf(span.spanId);
    if (owner < 0) return -1;
    if (((this.flags[s]! & F_SHARED) !== 0 || kind === KIND_SERVER) && this.firstHalf.length > 0) {
      const half = this.findHalf(owner, kind, span.service);
      if (half >= 0) return half;
    }
    if (this.kind[owner] === kind) return owner;
    return byId.indexOf(`${span.spanId}:${KIND_SUFFIX[kind]!}`);
  }

  /**
   * `Span.Builder.merge`: the target's fields win; missing ones (name, service, parent, duration)
   * come from `s`; errors add up. `s` is dropped. `parentOfS` is its parent as written (a shared
   * record's Span already points at its client half).
   */
  private merge(target: number, s: number, parentOfS: string | undefined): void {
    this.dropped++;
    const into = this.spans[target]!;
    const from = this.spans[s]!;
    const name = into.name === UNKNOWN_OPERATION ? from.name : into.name;
    const service = into.service === UNKNOWN_SERVICE ? from.service : into.service;
    const parentId = into.parentId ?? parentOfS;
    let endUs = into.endUs;
    if ((this.flags[target]! & F_DURATION) === 0 && (this.flags[s]! & F_DURATION) !== 0) {
      endUs = into.startUs + (from.endUs - from.startUs);
      this.flags[target]! |= F_DURATION;
    }
    const isError = into.isError || from.isError;
    if (name === into.name && service === into.service && parentId === into.parentId && endUs === into.endUs && isError === into.isError) return;
    this.spans[target] = makeSpan(into.spanId, parentId, service, name, into.startUs, endUs, isError, into.kind);
  }

  /**
   * A span whose parent id has a server half (under a client half) of the span's own service hangs
   * from that half: `SpanNode.Builder` matches children to the shared parent by local endpoint.
   */
  private reparentOntoHalves(byId: IdTable): void {
    const spans = this.spans;
    for (let s = 0; s < spans.length; s++) {
      const flags = this.flags[s]!;
      if ((flags & F_PLACED) === 0 || (flags & F_UNDER_CLIENT) !== 0) continue;
      const span = spans[s]!;
      const parent = span.parentId;
      if (parent === undefined) continue;
      const owner = byId.indexOf(parent);
      if (owner < 0 || this.firstHalf[owner]! < 0) continue;
      let steps = 0;
      for (let h = this.firstHalf[owner]!; h >= 0 && steps < MAX_HALF_WALK; h = this.nextHalf[h]!, steps++) {
        const half = spans[h]!;
        if ((this.flags[h]! & F_UNDER_CLIENT) !== 0 && half.service === span.service) {
          spans[s] = makeSpan(span.spanId, half.spanId, span.service, span.name, span.startUs, span.endUs, span.isError, span.kind);
          break;
        }
      }
    }
  }
}


/**
 * Id → slot, as an open-addressing table over typed arrays whose keys are the records' current ids
 * (`spans[slot].spanId`). On 100k spans it measured about 3× faster than a Map<string, number>, which was the
 * largest cost of this decoder: no rehashing as it grows, no entry objects, and the stored hash
 * skips most string compares.
 *
 * The ids come from whoever wrote spans into Zipkin, so the hash is seeded per process, and should
 * crafted ids still make probing long, the table hands over to a Map (which V8 seeds as well) rather
 * than going quadratic.
 */
class IdTable {
  private readonly mask: number;
  /** Slot + 1 per table entry; 0 is empty. */
  private readonly entries: Int32Array;
  /** Hash per slot. */
  private readonly hashes: Int32Array;
  private readonly spans: readonly Span[];
  private fallback: Map<string, number> | undefined;

  constructor(spans: readonly Span[], capacity: number) {
    this.spans = spans;
    // Derived `<id>:<kind>` keys may add entries; a load factor ≤ 0.5 at `capacity` keeps probing short.
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.mask = size - 1;
    this.entries = new Int32Array(size);
    this.hashes = new Int32Array(Math.max(capacity, 1));
  }

  /** Adds `key` for `slot` unless present; returns the slot holding it. `spans[slot].spanId` must be `key`. */
  insert(key: string, slot: number): number {
    if (this.fallback !== undefined) return this.fallbackInsert(key, slot);
    const hash = hashString(key);
    let probes = 0;
    for (let at = hash & this.mask; ; at = (at + 1) & this.mask) {
      const holder = this.entries[at]! - 1;
      if (holder < 0) {
        this.entries[at] = slot + 1;
        this.hashes[slot] = hash;
        return slot;
      }
      if (this.hashes[holder] === hash && this.spans[holder]!.spanId === key) return holder;
      if (++probes > MAX_PROBES) {
        this.switchToMap();
        return this.fallbackInsert(key, slot);
      }
    }
  }

  /** The slot holding `key`, or -1. */
  indexOf(key: string): number {
    if (this.fallback !== undefined) return this.fallback.get(key) ?? -1;
    const hash = hashString(key);
    let probes = 0;
    for (let at = hash & this.mask; ; at = (at + 1) & this.mask) {
      const holder = this.entries[at]! - 1;
      if (holder < 0) return -1;
      if (this.hashes[holder] === hash && this.spans[holder]!.spanId === key) return holder;
      if (++probes > MAX_PROBES) {
        this.switchToMap();
        return this.fallback!.get(key) ?? -1;
      }
    }
  }

  private fallbackInsert(key: string, slot: number): number {
    const holder = this.fallback!.get(key);
    if (holder !== undefined) return holder;
    this.fallback!.set(key, slot);
    return slot;
  }

  private switchToMap(): void {
    const map = new Map<string, number>();
    for (let at = 0; at < this.entries.length; at++) {
      const holder = this.entries[at]! - 1;
      if (holder >= 0) map.set(this.spans[holder]!.spanId, holder);
    }
    this.fallback = map;
  }
}

/** Longest linear probe before `IdTable` gives up on its hash (random ids stay far below). */
const MAX_PROBES = 256;

/** Per-process hash seed, so nobody can precompute ids that collide. */
const HASH_SEED = randomInt(0x7fffffff) | 0;

/** FNV-1a over UTF-16 units from a random seed, then murmur3's finaliser to mix the low bits used as index. */
function hashString(text: string): number {
  let h = HASH_SEED ^ 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function kindOf(value: unknown): number {
  if (value === undefined || value === null) return KIND_INTERNAL;
  if (typeof value !== 'string') return KIND_UNRECOGNISED;
  return KIND_BY_NAME.get(value) ?? KIND_BY_NAME.get(value.toUpperCase()) ?? KIND_UNRECOGNISED;
}

/**
 * The parent link. Absent, empty and all-zero mean a root (zipkin2 `Span.Builder.parentId` treats 0
 * as absent). A parent that is not valid hex is kept as written (lowercased): it then counts as an
 * orphan, which is what it is, instead of posing as a root.
 */
function parentOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const id = spanIdFromHex(value);
  if (id !== undefined) return id;
  return isZeroId(value) ? undefined : value.toLowerCase();
}




function badResponse(message: string): LsslackError {
  return new LsslackError('backend_bad_response', `Zipkin trace reply: ${message}`);
}
