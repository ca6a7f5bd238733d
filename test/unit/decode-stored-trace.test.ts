import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeStoredTrace } from '../../src/adapters/backends/lightstep/decode-stored-trace.js';
import { LsslackError } from '../../src/domain/errors.js';

/** A stored-traces reply shaped like trace-backends.md §1, with the quirks real data has. */
function storedTraceDocument(): unknown {
  return {
    data: [
      {
        type: 'stored_trace',
        id: 'data-level-id',
        attributes: {
          'start-time-micros': 1625765288770045,
          'end-time-micros': 1625765288884670,
          spans: [
            {
              'span-id': '03E3A83249CA873F',
              'span-name': 'GET /api/cart',
              'trace-id': '5b8aa5a2d2c872e8',
              'reporter-id': 'rep-frontend',
              'start-time-micros': 1625765288770045,
              'end-time-micros': 1625765288884670,
              'is-error': false,
              tags: { 'span.kind': 'SERVER', 'http.status_code': 200 },
            },
            {
              'span-id': '938797040ea8e787',
              'span-name': 'cart.load',
              'trace-id': '5b8aa5a2d2c872e8',
              'reporter-id': 'rep-cart',
              // int64 as strings, as some JSON encoders send them
              'start-time-micros': '1625765288780000',
              'end-time-micros': '1625765288850000',
              'is-error': true,
              tags: { parent_span_guid: '03e3a83249ca873f', 'span.kind': 'Client' },
            },
            {
              'span-id': '3e8',
              'span-name': 'publish',
              'trace-id': '5b8aa5a2d2c872e8',
              'reporter-id': 'rep-otel',
              'start-time-micros': 1625765288790000,
              'end-time-micros': 1625765288791000,
              'is-error': false,
              tags: { parent_span_guid: '938797040EA8E787', 'span.kind': 'producer' },
            },
            {
              'span-id': 'aaaaaaaaaaaaaaaa',
              'span-name': 'mystery',
              'reporter-id': 'rep-unknown',
              'start-time-micros': 1625765288800000,
              'end-time-micros': 1625765288800500,
              tags: { parent_span_guid: 'not-hex', 'span.kind': 'weird' },
            },
            { 'span-name': 'no id', 'start-time-micros': 1, 'end-time-micros': 2 },
            { 'span-id': 'bbbbbbbbbbbbbbbb', 'start-time-micros': 'soon', 'end-time-micros': 2 },
            'not a span',
          ],
        },
        relationships: {
          reporters: [
            {
              'reporter-id': 'rep-frontend',
              attributes: { 'lightstep.component_name': 'frontend', 'lightstep.hostname': 'web-1', 'service.name': 'ignored' },
            },
            { 'reporter-id': 'rep-cart', attributes: { 'lightstep.component_name': 'cart', 'lightstep.tracer_platform': 'go' } },
            { 'reporter-id': 'rep-otel', attributes: { 'service.name': 'queue-writer' } },
            { 'reporter-id': 'rep-broken' },
          ],
        },
      },
    ],
  };
}

function expectBadResponse(json: unknown, message: RegExp): void {
  assert.throws(
    () => decodeStoredTrace(json),
    (error: unknown) => {
      assert.ok(error instanceof LsslackError, 'an LsslackError');
      assert.equal(error.code, 'backend_bad_response');
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('decodeStoredTrace', () => {
  it('converts a realistic JSON:API document into a Trace', () => {
    assert.deepEqual(decodeStoredTrace(storedTraceDocument()), {
      traceId: '5b8aa5a2d2c872e8',
      spans: [
        {
          spanId: '03e3a83249ca873f',
          service: 'frontend',
          name: 'GET /api/cart',
          startUs: 1625765288770045,
          endUs: 1625765288884670,
          isError: false,
          kind: 'server',
        },
        {
          spanId: '938797040ea8e787',
          parentId: '03e3a83249ca873f',
          service: 'cart',
          name: 'cart.load',
          startUs: 1625765288780000,
          endUs: 1625765288850000,
          isError: true,
          kind: 'client',
        },
        {
          spanId: '00000000000003e8',
          parentId: '938797040ea8e787',
          service: 'queue-writer',
          name: 'publish',
          startUs: 1625765288790000,
          endUs: 1625765288791000,
          isError: false,
          kind: 'producer',
        },
        {
          // Unknown reporter and an unusable parent: kept, and counted as an orphan later.
          spanId: 'aaaaaaaaaaaaaaaa',
          parentId: 'not-hex',
          service: 'unknown-service',
          name: 'mystery',
          startUs: 1625765288800000,
          endUs: 1625765288800500,
          isError: false,
        },
      ],
    });
  });

  it('falls back to data[0].id for the trace id, and tolerates missing relationships', () => {
    const trace = decodeStoredTrace({
      data: [{ id: 'abc', attributes: { spans: [{ 'span-id': '1', 'start-time-micros': 5, 'end-time-micros': 7 }] } }],
    });
    assert.deepEqual(trace, {
      traceId: 'abc',
      spans: [{ spanId: '0000000000000001', service: 'unknown-service', name: 'unknown-operation', startUs: 5, endUs: 7, isError: false }],
    });
  });

  it('accepts reporters wrapped in a JSON:API data member', () => {
    const trace = decodeStoredTrace({
      data: [
        {
          attributes: { spans: [{ 'span-id': '1', 'reporter-id': 'r', 'start-time-micros': 5, 'end-time-micros': 7 }] },
          relationships: { reporters: { data: [{ 'reporter-id': 'r', attributes: { 'lightstep.component_name': 'svc' } }] } },
        },
      ],
    });
    assert.equal(trace.spans[0]?.service, 'svc');
    assert.equal(trace.traceId, undefined);
  });

  it('rejects bodies that are not a stored trace, naming what is wrong', () => {
    expectBadResponse(null, /not a JSON object/);
    expectBadResponse('<html>', /not a JSON object/);
    expectBadResponse([], /not a JSON object/);
    expectBadResponse({}, /no data array/);
    expectBadResponse({ data: { attributes: {} } }, /no data array/);
    expectBadResponse({ data: [] }, /data array is empty/);
    expectBadResponse({ data: [1] }, /data\[0\] is not an object/);
    expectBadResponse({ data: [{}] }, /data\[0\]\.attributes is not an object/);
    expectBadResponse({ data: [{ attributes: {} }] }, /spans is not an array/);
    expectBadResponse({ data: [{ attributes: { spans: {} } }] }, /spans is not an array/);
    expectBadResponse({ data: [{ attributes: { spans: [] } }] }, /no spans/);
  });

  it('throws when no span is valid, quoting the first problem', () => {
    expectBadResponse(
      { data: [{ attributes: { spans: [{ 'span-id': 'zz', 'start-time-micros': 1, 'end-time-micros': 2 }, null] } }] },
      /all 2 spans are invalid \(first problem: spans\[0\] has no valid span-id\)/,
    );
    expectBadResponse(
      { data: [{ attributes: { spans: [{ 'span-id': '1', 'start-time-micros': 1, 'end-time-micros': Number.NaN }] } }] },
      /spans\[0\] has no valid start\/end time/,
    );
    expectBadResponse(
      { data: [{ attributes: { spans: [{ 'span-id': '1', 'start-time-micros': '1e3', 'end-time-micros': 2 }] } }] },
      /spans\[0\] has no valid start\/end time/,
    );
  });

  it('decodes 1M spans quickly', () => {
    const n = 1_000_000;
    const spans: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      spans[i] = {
        'span-id': (0x1000000000000000 + i * 4099).toString(16),
        'span-name': 'op',
        'reporter-id': 'r',
        'start-time-micros': 1_700_000_000_000_000 + i,
        'end-time-micros': 1_700_000_000_000_100 + i,
        'is-error': false,
        tags: i === 0 ? {} : { parent_span_guid: '1000000000000000', 'span.kind': 'client' },
      };
    }
    const trace = decodeStoredTrace({ data: [{ attributes: { spans }, relationships: { reporters: [{ 'reporter-id': 'r', attributes: { 'lightstep.component_name': 's' } }] } }] });
    assert.equal(trace.spans.length, n);
  });
});
