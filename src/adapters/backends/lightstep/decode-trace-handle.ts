/**
 * Decoding of Lightstep's `trace_handle` URL parameter.
 *
 * The handle is undocumented: it was reverse-engineered from real links (see trace-backends.md §1) as
 * URL-safe base64 of a protobuf message whose field 1 (varint) is the selected span GUID. Because the
 * format may change under us, every step here refuses rather than guesses: any malformed input gives
 * `undefined`, never an exception, and the caller treats the link as having no span id.
 */

/** Protobuf field that carries the span GUID as a uint64 varint. */
const SPAN_GUID_FIELD = 1;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** A uint64 needs at most 10 varint bytes (7 bits each); more means corrupt data. */
const MAX_VARINT_BYTES = 10;
const UINT64_LIMIT = 1n << 64n;

/** Real handles are ~60 characters; a cap keeps a hostile 1 MB parameter from costing anything. */
const MAX_HANDLE_LENGTH = 4096;

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES: ReadonlyMap<string, number> = new Map([...BASE64_ALPHABET].map((char, value) => [char, value]));

/**
 * Extracts the span GUID from a Lightstep `trace_handle`.
 *
 * Accepts URL-safe or standard base64, with or without `=` padding, still percent-encoded or not.
 *
 * @param handle - the raw `trace_handle` query value
 * @returns the span GUID as 16 lowercase hex characters, or `undefined` when the handle is malformed
 *   or carries no span GUID
 */
export function decodeTraceHandle(handle: string): string | undefined {
  if (typeof handle !== 'string' || handle.length === 0 || handle.length > MAX_HANDLE_LENGTH) return undefined;
  const text = normaliseBase64(handle);
  if (text === undefined) return undefined;
  const bytes = decodeBase64(text);
  if (bytes === undefined) return undefined;
  const guid = readSpanGuidField(bytes);
  return guid === undefined ? undefined : guid.toString(16).padStart(16, '0');
}

/**
 * Turns any accepted spelling of the handle into unpadded standard base64, or `undefined` if it
 * contains characters base64 cannot.
 */
function normaliseBase64(handle: string): string | undefined {
  let text = handle;
  if (text.includes('%')) {
    // The doc says to URL-decode first; callers that used URLSearchParams already did, and a stray
    // `%` that is not an escape makes decodeURIComponent throw, which we turn into "malformed".
    try {
      text = decodeURIComponent(text);
    } catch {
      return undefined;
    }
  }
  // URLSearchParams turns an unescaped `+` of standard base64 into a space; a space is never valid
  // base64, so mapping it back is lossless.
  text = text.replace(/ /g, '+').replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(text)) return undefined;
  // A single leftover character carries only 6 bits: no byte can come out of it.
  if (text.length % 4 === 1) return undefined;
  return text;
}

/** Decodes unpadded standard base64 that normaliseBase64 already validated. */
function decodeBase64(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let buffer = 0;
  let bits = 0;
  let length = 0;
  for (const char of text) {
    const value = BASE64_VALUES.get(char);
    if (value === undefined) return undefined;
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[length++] = (buffer >> bits) & 0xff;
    }
  }
  return out.subarray(0, length);
}

/** Result of reading one varint: its value and the offset just past it. */
interface VarintRead {
  readonly value: bigint;
  readonly next: number;
}

/**
 * Reads a base-128 varint. BigInt because field 1 is a full uint64 and a Number would silently lose
 * the low bits of any span id above 2^53.
 */
function readVarint(bytes: Uint8Array, offset: number): VarintRead | undefined {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const byte = bytes[offset + i];
    if (byte === undefined) return undefined;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) {
      return value < UINT64_LIMIT ? { value, next: offset + i + 1 } : undefined;
    }
    shift += 7n;
  }
  return undefined;
}

/**
 * Walks the top-level fields of a protobuf message and returns the last value of the span GUID field
 * (protobuf's "last one wins" rule), skipping every other field it knows how to skip.
 */
function readSpanGuidField(bytes: Uint8Array): bigint | undefined {
  let offset = 0;
  let guid: bigint | undefined;
  while (offset < bytes.length) {
    const tag = readVarint(bytes, offset);
    if (tag === undefined) return undefined;
    const field = tag.value >> 3n;
    const wireType = Number(tag.value & 7n);
    if (field === 0n) return undefined;
    offset = tag.next;
    if (field === BigInt(SPAN_GUID_FIELD)) {
      if (wireType !== WIRE_VARINT) return undefined;
      const read = readVarint(bytes, offset);
      if (read === undefined) return undefined;
      guid = read.value;
      offset = read.next;
      continue;
    }
    const next = skipField(bytes, offset, wireType);
    if (next === undefined) return undefined;
    offset = next;
  }
  return guid;
}

/** Returns the offset after a field's payload, or `undefined` for unknown wire types or truncation. */
function skipField(bytes: Uint8Array, offset: number, wireType: number): number | undefined {
  switch (wireType) {
    case WIRE_VARINT:
      return readVarint(bytes, offset)?.next;
    case WIRE_FIXED64:
      return offset + 8 <= bytes.length ? offset + 8 : undefined;
    case WIRE_FIXED32:
      return offset + 4 <= bytes.length ? offset + 4 : undefined;
    case WIRE_LENGTH_DELIMITED: {
      const length = readVarint(bytes, offset);
      if (length === undefined) return undefined;
      const end = BigInt(length.next) + length.value;
      return end <= BigInt(bytes.length) ? Number(end) : undefined;
    }
    default:
      // Groups (3, 4) are long deprecated and 6, 7 do not exist: treat as corrupt.
      return undefined;
  }
}
