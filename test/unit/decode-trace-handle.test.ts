import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeTraceHandle } from '../../src/adapters/backends/lightstep/decode-trace-handle.js';

// A minimal protobuf encoder, independent of the decoder under test, shaped like the real handles
// described in trace-backends.md §1 (fields 1, 2, 5, 6, 7).

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function key(field: number, wireType: number): number[] {
  return varint(BigInt((field << 3) | wireType));
}

function varintField(field: number, value: bigint): number[] {
  return [...key(field, 0), ...varint(value)];
}

function bytesField(field: number, payload: readonly number[]): number[] {
  return [...key(field, 2), ...varint(BigInt(payload.length)), ...payload];
}

function utf8(text: string): number[] {
  return [...Buffer.from(text, 'utf8')];
}

/** A handle as Lightstep builds it: span GUID, project id, 2, start Timestamp, "streams_traces". */
function handleBytes(spanHex: string): number[] {
  const timestamp = [...varintField(1, 1625765288n), ...varintField(2, 770045000n)];
  return [
    ...varintField(1, BigInt(`0x${spanHex}`)),
    ...bytesField(2, utf8('1234567890')),
    ...varintField(5, 2n),
    ...bytesField(6, timestamp),
    ...bytesField(7, utf8('streams_traces')),
  ];
}

function base64url(bytes: readonly number[]): string {
  return Buffer.from(bytes).toString('base64url');
}

function base64(bytes: readonly number[]): string {
  return Buffer.from(bytes).toString('base64');
}

describe('decodeTraceHandle', () => {
  it('decodes the span GUID of a URL-safe, unpadded handle', () => {
    const handle = base64url(handleBytes('938797040ea8e787'));
    // The fixture must exercise the URL-safe alphabet and the missing padding.
    assert.equal(handle, 'CIfPo_XA4OXDkwESCjEyMzQ1Njc4OTAoAjIMCKjrnIcGEMjol-8COg5zdHJlYW1zX3RyYWNlcw');
    assert.equal(decodeTraceHandle(handle), '938797040ea8e787');
  });

  it('accepts standard base64 with padding', () => {
    const handle = base64(handleBytes('938797040ea8e787'));
    assert.ok(handle.includes('/') && handle.includes('+') && handle.endsWith('=='));
    assert.equal(decodeTraceHandle(handle), '938797040ea8e787');
  });

  it('accepts URL-safe base64 with restored padding, percent-encoded padding, and + turned into spaces', () => {
    const urlSafe = base64url(handleBytes('938797040ea8e787'));
    assert.equal(decodeTraceHandle(`${urlSafe}==`), '938797040ea8e787');
    assert.equal(decodeTraceHandle(`${urlSafe}%3D%3D`), '938797040ea8e787');
    const standard = base64(handleBytes('938797040ea8e787'));
    assert.equal(decodeTraceHandle(standard.replace(/\+/g, ' ')), '938797040ea8e787');
  });

  it('left-pads a span id with leading zeros to 16 hex characters', () => {
    assert.equal(decodeTraceHandle(base64url(handleBytes('00000000000003e8'))), '00000000000003e8');
    assert.equal(decodeTraceHandle(base64url(varintField(1, 1n))), '0000000000000001');
  });

  it('keeps every bit of span ids at and above 2^63', () => {
    assert.equal(decodeTraceHandle(base64url(handleBytes('8000000000000000'))), '8000000000000000');
    assert.equal(decodeTraceHandle(base64url(handleBytes('ffffffffffffffff'))), 'ffffffffffffffff');
    assert.equal(decodeTraceHandle(base64url(handleBytes('fffbfffbfffbfffb'))), 'fffbfffbfffbfffb');
  });

  it('finds field 1 after other fields, including fixed32 and fixed64 ones', () => {
    const bytes = [
      ...bytesField(7, utf8('streams_traces')),
      ...key(9, 5), 1, 2, 3, 4,
      ...key(10, 1), 1, 2, 3, 4, 5, 6, 7, 8,
      ...varintField(1, 0xabcdefn),
    ];
    assert.equal(decodeTraceHandle(base64url(bytes)), '0000000000abcdef');
  });

  it('uses the last occurrence of field 1, as protobuf does', () => {
    const bytes = [...varintField(1, 1n), ...varintField(1, 2n)];
    assert.equal(decodeTraceHandle(base64url(bytes)), '0000000000000002');
  });

  it('returns undefined when there is no span GUID field', () => {
    const bytes = [...bytesField(2, utf8('1234567890')), ...bytesField(7, utf8('streams_traces'))];
    assert.equal(decodeTraceHandle(base64url(bytes)), undefined);
    assert.equal(decodeTraceHandle(''), undefined);
  });

  it('returns undefined for text that is not base64', () => {
    for (const text of ['!!!!', 'abc$def', 'a', 'abcde', '%E0%A4%A', '====']) {
      assert.equal(decodeTraceHandle(text), undefined, text);
    }
  });

  it('returns undefined for malformed protobuf', () => {
    const full = handleBytes('938797040ea8e787');
    const cases: Record<string, number[]> = {
      'truncated inside a string field': full.slice(0, full.length - 3),
      'truncated inside the span varint': [...key(1, 0), 0x87, 0x8f],
      'field 1 as a string': bytesField(1, utf8('938797040ea8e787')),
      'group wire type': [...key(3, 3), ...varintField(1, 5n)],
      'wire type 7': [...key(2, 7), ...varintField(1, 5n)],
      'field number 0': [...key(0, 0), 1, ...varintField(1, 5n)],
      'varint longer than 10 bytes': [...key(1, 0), ...Array<number>(11).fill(0x80), 1],
      'value of 2^64': [...key(1, 0), ...varint(1n << 64n)],
      'length beyond the end': [...key(2, 2), 50, 1, 2],
      'fixed64 cut short': [...key(4, 1), 1, 2, 3],
    };
    for (const [name, bytes] of Object.entries(cases)) {
      assert.equal(decodeTraceHandle(base64url(bytes)), undefined, name);
    }
  });

  it('never throws on arbitrary input', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let n = 0; n < 2000; n++) {
      const bytes = Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256));
      const result = decodeTraceHandle(base64url(bytes));
      assert.ok(result === undefined || /^[0-9a-f]{16}$/.test(result));
    }
  });
});
