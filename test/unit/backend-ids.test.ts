import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isZeroId, spanIdFromHex, spanIdFromHexOrBase64, traceIdFromHex, traceIdFromHexOrBase64 } from '../../src/adapters/backends/ids.js';

/** Base64 of the bytes a hex string spells, built independently of the code under test. */
function base64Of(hex: string, { urlSafe = false, padded = true } = {}): string {
  let text = Buffer.from(hex, 'hex').toString('base64');
  if (urlSafe) text = text.replace(/\+/g, '-').replace(/\//g, '_');
  return padded ? text : text.replace(/=+$/, '');
}

describe('traceIdFromHex', () => {
  it('returns a 32-hex id as it is', () => {
    const id = '5b8efff798038103d269b633813fc60c';
    assert.equal(traceIdFromHex(id), id);
  });

  it('left-pads 64-bit and shortened ids to 32 hex, so 16-hex and zero-padded 32-hex forms are equal', () => {
    assert.equal(traceIdFromHex('d269b633813fc60c'), '0000000000000000d269b633813fc60c');
    assert.equal(traceIdFromHex('0000000000000000d269b633813fc60c'), '0000000000000000d269b633813fc60c');
    assert.equal(traceIdFromHex('3e8'), '000000000000000000000000000003e8');
  });

  it('lowercases', () => {
    assert.equal(traceIdFromHex('5B8EFFF798038103D269B633813FC60C'), '5b8efff798038103d269b633813fc60c');
  });

  it('rejects non-hex, empty, too long and all-zero ids', () => {
    for (const raw of ['', 'xyz', '0x1234', ' 1234', '1234 ', '5b8efff7-98038103', '1'.repeat(33), '0', '0'.repeat(32), 'é']) {
      assert.equal(traceIdFromHex(raw), undefined, raw);
    }
  });
});

describe('spanIdFromHex', () => {
  it('returns a 16-hex id as it is and pads shorter ones', () => {
    assert.equal(spanIdFromHex('eee19b7ec3c1b174'), 'eee19b7ec3c1b174');
    assert.equal(spanIdFromHex('3e8'), '00000000000003e8');
  });

  it('reduces a 32-hex id with 16 leading zeros to its 16-hex form', () => {
    assert.equal(spanIdFromHex('0000000000000000EEE19B7EC3C1B174'), 'eee19b7ec3c1b174');
    assert.equal(spanIdFromHex('000eee19b7ec3c1b174'), 'eee19b7ec3c1b174');
  });

  it('rejects ids wider than 64 bits, non-hex and all-zero ids', () => {
    for (const raw of ['1eee19b7ec3c1b174', '10000000000000000eee19b7ec3c1b174', '', 'g', '0000000000000000', '00']) {
      assert.equal(spanIdFromHex(raw), undefined, raw);
    }
  });
});

describe('traceIdFromHexOrBase64 / spanIdFromHexOrBase64', () => {
  it("decodes Tempo's padded base64 (24 chars for a trace id, 12 for a span id)", () => {
    // The example id from Tempo's API docs: W47/95gDgQPSabYzgT/HAA==
    assert.equal(traceIdFromHexOrBase64('W47/95gDgQPSabYzgT/HAA=='), '5b8efff798038103d269b633813fc700');
    assert.equal(spanIdFromHexOrBase64(base64Of('eee19b7ec3c1b174')), 'eee19b7ec3c1b174');
    assert.equal(base64Of('eee19b7ec3c1b174').length, 12);
  });

  it('accepts URL-safe and unpadded base64', () => {
    const hex = 'fbffbf7ec3c1b17f';
    assert.equal(spanIdFromHexOrBase64(base64Of(hex, { urlSafe: true })), hex);
    assert.equal(spanIdFromHexOrBase64(base64Of(hex, { urlSafe: true, padded: false })), hex);
    assert.equal(traceIdFromHexOrBase64(base64Of(`${hex}${hex}`, { padded: false })), `${hex}${hex}`);
  });

  it('pads an 8-byte trace id to 32 hex and reduces a zero-topped 16-byte span id to 16', () => {
    assert.equal(traceIdFromHexOrBase64(base64Of('d269b633813fc60c')), '0000000000000000d269b633813fc60c');
    assert.equal(spanIdFromHexOrBase64(base64Of('0000000000000000eee19b7ec3c1b174')), 'eee19b7ec3c1b174');
    assert.equal(spanIdFromHexOrBase64(base64Of('0100000000000000eee19b7ec3c1b174')), undefined);
  });

  it('reads 16- and 32-char ids as hex, as the collector writes them', () => {
    // Both are valid base64 too, but of 12 and 24 bytes: never an id.
    assert.equal(spanIdFromHexOrBase64('EEE19B7EC3C1B174'), 'eee19b7ec3c1b174');
    assert.equal(traceIdFromHexOrBase64('5b8efff798038103d269b633813fc60c'), '5b8efff798038103d269b633813fc60c');
  });

  it('falls back to hex for other lengths', () => {
    assert.equal(spanIdFromHexOrBase64('3e8'), '00000000000003e8');
    assert.equal(traceIdFromHexOrBase64('d269b633813fc60c0'), '000000000000000d269b633813fc60c0');
  });

  it('rejects malformed base64, wrong byte counts and all-zero ids', () => {
    assert.equal(traceIdFromHexOrBase64('W47/95gDgQPSabYzgT/HA==='), undefined);
    assert.equal(traceIdFromHexOrBase64('W47/95gDgQPSabYzgT/H!A=='), undefined);
    assert.equal(traceIdFromHexOrBase64('AAAAAAAAAAAAAAAAAAAAAA=='), undefined);
    assert.equal(spanIdFromHexOrBase64('AAAAAAAAAAA='), undefined);
    assert.equal(spanIdFromHexOrBase64('7uGbfsPBsX=Q'), undefined);
    assert.equal(spanIdFromHexOrBase64('7uGbfsPBsXQ=='), undefined);
    assert.equal(spanIdFromHexOrBase64('é'.repeat(12)), undefined);
  });
});

describe('isZeroId', () => {
  it('recognises all-zero hex and base64 ids only', () => {
    assert.equal(isZeroId('0000000000000000'), true);
    assert.equal(isZeroId('0'), true);
    assert.equal(isZeroId('AAAAAAAAAAA='), true);
    assert.equal(isZeroId('AAAAAAAAAAAAAAAAAAAAAA=='), true);
    assert.equal(isZeroId(''), false);
    assert.equal(isZeroId('0000000000000001'), false);
    assert.equal(isZeroId('A=AA'), false);
    assert.equal(isZeroId('=='), false);
  });
});
