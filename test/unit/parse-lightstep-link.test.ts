import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { normalizeSpanId, parseLightstepLink as parseTraceUrl } from '../../src/adapters/backends/lightstep/parse-lightstep-link.js';

const US = ['https://app.lightstep.com'];
const US_AND_EU = ['https://app.lightstep.com/', 'https://app.eu.lightstep.com'];

/** Encodes span 938797040ea8e787 (see decode-trace-handle.test.ts for how it is built). */
const HANDLE = 'CIfPo_XA4OXDkwESCjEyMzQ1Njc4OTAoAjIMCKjrnIcGEMjol-8COg5zdHJlYW1zX3RyYWNlcw';

describe('parseTraceUrl', () => {
  it('parses the classic form with span_guid, at_micros and a fragment', () => {
    const url = 'https://app.lightstep.com/demo/trace?span_guid=938797040ea8e787&at_micros=1625765288770045#span-938797040ea8e787';
    assert.deepEqual(parseTraceUrl(url, US), {
      url,
      origin: 'https://app.lightstep.com',
      project: 'demo',
      seedSpanId: '938797040ea8e787',
      selectedSpanPrefix: '938797040ea8e787',
    });
  });

  it('parses the webhook form: selected_span_guid is the seed and the selection', () => {
    const url =
      'https://app.lightstep.com/demo/trace?at_micros=1625765288770045&selected_span_guid=03e3a83249ca873f' +
      `&trace_handle=${HANDLE}&utm_source=webhook`;
    assert.deepEqual(parseTraceUrl(url, US), {
      url,
      origin: 'https://app.lightstep.com',
      project: 'demo',
      seedSpanId: '03e3a83249ca873f',
      selectedSpanPrefix: '03e3a83249ca873f',
    });
  });

  it('decodes the span from trace_handle when it is the only id', () => {
    const url = `https://app.lightstep.com/demo/trace?trace_handle=${HANDLE}`;
    assert.deepEqual(parseTraceUrl(url, US), {
      url,
      origin: 'https://app.lightstep.com',
      project: 'demo',
      seedSpanId: '938797040ea8e787',
    });
  });

  it('accepts the EU origin only when it is configured', () => {
    const url = 'https://app.eu.lightstep.com/shop/trace?span_guid=938797040ea8e787';
    assert.equal(parseTraceUrl(url, US), undefined);
    assert.deepEqual(parseTraceUrl(url, US_AND_EU), {
      url,
      origin: 'https://app.eu.lightstep.com',
      project: 'shop',
      seedSpanId: '938797040ea8e787',
    });
  });

  it('keeps an abbreviated fragment as an unpadded lowercase prefix', () => {
    // Lightstep's published example: #span-250e3883c1 selects span 250e3883c1f9e4d7.
    const url = 'https://app.lightstep.com/demo/trace?span_guid=250e3883c1f9e4d7&at_micros=1#span-250E3883C1';
    const ref = parseTraceUrl(url, US);
    assert.equal(ref?.seedSpanId, '250e3883c1f9e4d7');
    assert.equal(ref?.selectedSpanPrefix, '250e3883c1');
  });

  it('prefers the fragment over selected_span_guid for the selection', () => {
    const url = 'https://app.lightstep.com/demo/trace?selected_span_guid=03e3a83249ca873f#span-abc';
    assert.equal(parseTraceUrl(url, US)?.selectedSpanPrefix, 'abc');
  });

  it('falls back to selected_span_guid when the fragment is not a span fragment', () => {
    const url = 'https://app.lightstep.com/demo/trace?selected_span_guid=3f#span-xyz';
    const ref = parseTraceUrl(url, US);
    assert.equal(ref?.seedSpanId, '000000000000003f');
    assert.equal(ref?.selectedSpanPrefix, '000000000000003f');
  });

  it('has no selection without fragment or selected_span_guid', () => {
    const ref = parseTraceUrl('https://app.lightstep.com/demo/trace?span_guid=938797040ea8e787', US);
    assert.ok(ref !== undefined);
    assert.equal('selectedSpanPrefix' in ref, false);
  });

  it('left-pads a short span_guid (links built with %x lose leading zeros)', () => {
    const ref = parseTraceUrl('https://app.lightstep.com/demo/trace?span_guid=3e8&at_micros=1', US);
    assert.equal(ref?.seedSpanId, '00000000000003e8');
  });

  it('lowercases uppercase hex', () => {
    const ref = parseTraceUrl('https://app.lightstep.com/demo/trace?span_guid=938797040EA8E787#span-ABCDEF', US);
    assert.equal(ref?.seedSpanId, '938797040ea8e787');
    assert.equal(ref?.selectedSpanPrefix, 'abcdef');
  });

  it('decodes &amp; from Slack but keeps the url exactly as received', () => {
    const url = 'https://app.lightstep.com/demo/trace?at_micros=1625765288770045&amp;span_guid=938797040ea8e787&amp;x=1#span-9387';
    const ref = parseTraceUrl(url, US);
    assert.equal(ref?.url, url);
    assert.equal(ref?.seedSpanId, '938797040ea8e787');
    assert.equal(ref?.selectedSpanPrefix, '9387');
  });

  it('uses span_guid before selected_span_guid before trace_handle', () => {
    const all = `https://app.lightstep.com/demo/trace?trace_handle=${HANDLE}&selected_span_guid=2&span_guid=1`;
    assert.equal(parseTraceUrl(all, US)?.seedSpanId, '0000000000000001');
    const noSpanGuid = `https://app.lightstep.com/demo/trace?trace_handle=${HANDLE}&selected_span_guid=2`;
    assert.equal(parseTraceUrl(noSpanGuid, US)?.seedSpanId, '0000000000000002');
  });

  it('treats an invalid id as absent and moves on to the next source', () => {
    const url = `https://app.lightstep.com/demo/trace?span_guid=xyz&selected_span_guid=0x12&trace_handle=${HANDLE}`;
    assert.equal(parseTraceUrl(url, US)?.seedSpanId, '938797040ea8e787');
  });

  it('returns undefined when no span id can be found', () => {
    for (const url of [
      'https://app.lightstep.com/demo/trace',
      'https://app.lightstep.com/demo/trace?at_micros=1625765288770045',
      'https://app.lightstep.com/demo/trace?span_guid=',
      'https://app.lightstep.com/demo/trace?span_guid=0x938797040ea8e787',
      'https://app.lightstep.com/demo/trace?span_guid=1938797040ea8e787',
      'https://app.lightstep.com/demo/trace?span_guid=93879704-0ea8e787',
      'https://app.lightstep.com/demo/trace?trace_handle=!!!',
      // An abbreviated fragment alone cannot seed the fetch.
      'https://app.lightstep.com/demo/trace#span-938797040e',
    ]) {
      assert.equal(parseTraceUrl(url, US), undefined, url);
    }
  });

  it('uses a whole 16-hex fragment as the seed span when nothing else names one', () => {
    const ref = parseTraceUrl('https://app.lightstep.com/demo/trace#span-938797040EA8E787', US);
    assert.equal(ref?.seedSpanId, '938797040ea8e787');
    assert.equal(ref?.selectedSpanPrefix, '938797040ea8e787');
  });

  it('percent-decodes the project and accepts a trailing slash', () => {
    const ref = parseTraceUrl('https://app.lightstep.com/my%20proj%C3%A9/trace/?span_guid=1', US);
    assert.equal(ref?.project, 'my projé');
  });

  it('rejects paths that are not /<project>/trace', () => {
    for (const path of ['/demo/traces', '/demo/trace/extra', '/trace', '/demo', '/demo/explorer', '/a/b/trace', '//trace', '/demo/Trace', '/']) {
      assert.equal(parseTraceUrl(`https://app.lightstep.com${path}?span_guid=1`, US), undefined, path);
    }
  });

  it('rejects an undecodable project segment', () => {
    assert.equal(parseTraceUrl('https://app.lightstep.com/%E0%A4%A/trace?span_guid=1', US), undefined);
  });

  it('rejects other hosts, including look-alikes', () => {
    for (const host of ['evil.com', 'app.lightstep.com.evil.com', 'lightstep.com', 'api.lightstep.com', 'app.eu.lightstep.com']) {
      assert.equal(parseTraceUrl(`https://${host}/demo/trace?span_guid=1`, US), undefined, host);
    }
    assert.equal(parseTraceUrl('https://evil.com/?u=https://app.lightstep.com/demo/trace?span_guid=1', US), undefined);
    assert.equal(parseTraceUrl('https://app.lightstep.com@evil.com/demo/trace?span_guid=1', US), undefined);
  });

  it('requires the scheme to match', () => {
    assert.equal(parseTraceUrl('http://app.lightstep.com/demo/trace?span_guid=1', US), undefined);
    assert.equal(parseTraceUrl('https://localhost:8080/demo/trace?span_guid=1', ['http://localhost:8080']), undefined);
    assert.equal(parseTraceUrl('ftp://app.lightstep.com/demo/trace?span_guid=1', ['ftp://app.lightstep.com']), undefined);
  });

  it('normalises default ports and host case, and matches explicit ports exactly', () => {
    const explicitDefault = parseTraceUrl('https://APP.Lightstep.COM:443/demo/trace?span_guid=1', US);
    assert.equal(explicitDefault?.origin, 'https://app.lightstep.com');
    assert.equal(parseTraceUrl('https://app.lightstep.com:8443/demo/trace?span_guid=1', US), undefined);
    const local = parseTraceUrl('http://localhost:8080/demo/trace?span_guid=1', ['http://LOCALHOST:8080/']);
    assert.equal(local?.origin, 'http://localhost:8080');
    assert.equal(parseTraceUrl('http://localhost:8081/demo/trace?span_guid=1', ['http://localhost:8080']), undefined);
    assert.ok(parseTraceUrl('https://app.lightstep.com/demo/trace?span_guid=1', ['https://app.lightstep.com:443']));
  });

  it('returns undefined for garbage and never throws', () => {
    const garbage = [
      '',
      'not a url',
      'https://',
      '::::',
      '\u0000\u0001',
      'javascript:alert(1)',
      'https://app.lightstep.com/%/trace?span_guid=1',
      '<https://app.lightstep.com/demo/trace?span_guid=1>',
      `https://app.lightstep.com/${'x'.repeat(100_000)}`,
      'https://[::1/demo/trace?span_guid=1',
    ];
    for (const url of garbage) assert.equal(parseTraceUrl(url, US), undefined, url.slice(0, 60));
    assert.equal(parseTraceUrl('https://app.lightstep.com/demo/trace?span_guid=1', []), undefined);
    assert.equal(parseTraceUrl('https://app.lightstep.com/demo/trace?span_guid=1', ['not an origin', '']), undefined);
    // Wrong types from untyped callers must not throw either.
    assert.equal(parseTraceUrl(undefined as unknown as string, US), undefined);
    assert.equal(parseTraceUrl('https://app.lightstep.com/demo/trace?span_guid=1', [42] as unknown as string[]), undefined);
  });
});

describe('normalizeSpanId', () => {
  it('pads, lowercases and rejects non-hex', () => {
    assert.equal(normalizeSpanId('A'), '000000000000000a');
    assert.equal(normalizeSpanId('938797040EA8E787'), '938797040ea8e787');
    assert.equal(normalizeSpanId(''), undefined);
    assert.equal(normalizeSpanId('g'), undefined);
    assert.equal(normalizeSpanId('00000000000000000'), undefined);
    assert.equal(normalizeSpanId(' 1'), undefined);
  });
});
