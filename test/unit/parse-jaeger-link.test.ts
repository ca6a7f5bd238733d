import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseJaegerLink } from '../../src/adapters/backends/jaeger/parse-jaeger-link.js';

const UI = 'https://jaeger.acme.dev';
const PREFIXED = 'https://ops.acme.dev/jaeger';
const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

describe('parseJaegerLink', () => {
  it('parses {ui}/trace/{traceID} with a 128-bit id', () => {
    assert.deepEqual(parseJaegerLink(`${UI}/trace/${TRACE}`, UI), { traceId: TRACE });
  });

  it('pads 64-bit ids and ids that lost leading zeros to 32 hex, and lowercases', () => {
    assert.deepEqual(parseJaegerLink(`${UI}/trace/D269B633813FC60C`, UI), { traceId: '0000000000000000d269b633813fc60c' });
    assert.deepEqual(parseJaegerLink(`${UI}/trace/3e8`, UI), { traceId: '000000000000000000000000000003e8' });
  });

  it('accepts one trailing slash, and ignores other query parameters and the fragment', () => {
    assert.deepEqual(parseJaegerLink(`${UI}/trace/${TRACE}/?uiEmbed=v0#x`, UI), { traceId: TRACE });
  });

  it('selects the span uiFind names when it is a whole 16-hex span id', () => {
    assert.deepEqual(parseJaegerLink(`${UI}/trace/${TRACE}?uiFind=${SPAN}`, UI), { traceId: TRACE, selectedSpanId: SPAN });
    assert.deepEqual(parseJaegerLink(`${UI}/trace/${TRACE}?uiFind=${SPAN.toUpperCase()}`, UI), { traceId: TRACE, selectedSpanId: SPAN });
  });

  it('does not read other uiFind search text as a span selection', () => {
    for (const uiFind of ['500', 'error', 'eee19b7e', `${SPAN}%20cart`, `${SPAN}${SPAN}`, 'http.status_code%3D500', '0000000000000000', '']) {
      assert.deepEqual(parseJaegerLink(`${UI}/trace/${TRACE}?uiFind=${uiFind}`, UI), { traceId: TRACE }, uiFind);
    }
  });

  it("decodes Slack's &amp; before reading the query", () => {
    assert.deepEqual(parseJaegerLink(`${UI}/trace/${TRACE}?uiEmbed=v0&amp;uiFind=${SPAN}`, UI), { traceId: TRACE, selectedSpanId: SPAN });
  });

  it('honours a base path prefix, with or without a trailing slash, as whole segments', () => {
    assert.deepEqual(parseJaegerLink(`${PREFIXED}/trace/${TRACE}`, PREFIXED), { traceId: TRACE });
    assert.deepEqual(parseJaegerLink(`${PREFIXED}/trace/${TRACE}`, `${PREFIXED}/`), { traceId: TRACE });
    assert.equal(parseJaegerLink(`https://ops.acme.dev/trace/${TRACE}`, PREFIXED), undefined);
    assert.equal(parseJaegerLink(`https://ops.acme.dev/jaegerx/trace/${TRACE}`, PREFIXED), undefined);
    assert.equal(parseJaegerLink(`https://ops.acme.dev/Jaeger/trace/${TRACE}`, PREFIXED), undefined);
    // Dot segments are resolved by URL parsing before the prefix is compared.
    assert.equal(parseJaegerLink(`https://ops.acme.dev/jaeger/../trace/${TRACE}`, PREFIXED), undefined);
  });

  it('matches origins through URL serialisation: host case and default ports do not matter', () => {
    assert.deepEqual(parseJaegerLink(`HTTPS://Jaeger.ACME.dev:443/trace/${TRACE}`, UI), { traceId: TRACE });
    assert.deepEqual(parseJaegerLink(`http://localhost:16686/trace/${TRACE}`, 'http://LOCALHOST:16686/'), { traceId: TRACE });
  });

  it('rejects other origins, including look-alikes and other schemes or ports', () => {
    for (const url of [
      `https://evil.dev/trace/${TRACE}`,
      `https://jaeger.acme.dev.evil.dev/trace/${TRACE}`,
      `https://jaeger.acme.dev@evil.dev/trace/${TRACE}`,
      `http://jaeger.acme.dev/trace/${TRACE}`,
      `https://jaeger.acme.dev:8443/trace/${TRACE}`,
      `https://evil.dev/?u=${UI}/trace/${TRACE}`,
    ]) {
      assert.equal(parseJaegerLink(url, UI), undefined, url);
    }
  });

  it('rejects the compare view, search and other pages', () => {
    for (const path of [
      `/trace/${TRACE}...d269b633813fc60c`,
      `/search?traceID=${TRACE}`,
      `/search?traceID=${TRACE}&span=${SPAN}@${TRACE}`,
      '/trace/',
      '/trace',
      `/trace/${TRACE}//`,
      `/trace/${TRACE}/extra`,
      `/traces/${TRACE}`,
      `/Trace/${TRACE}`,
      `/x/trace/${TRACE}`,
      `/trace/%35b8efff798038103`,
      `/trace/0x${TRACE}`,
      `/trace/${TRACE}0`,
      '/trace/00000000000000000000000000000000',
      '/',
    ]) {
      assert.equal(parseJaegerLink(`${UI}${path}`, UI), undefined, path);
    }
  });

  it('returns undefined for garbage and never throws', () => {
    const garbage = ['', 'not a url', 'https://', '::::', '\u0000', 'javascript:alert(1)', `<${UI}/trace/${TRACE}>`, `${UI}/trace/${'a'.repeat(300_000)}`, 'https://[::1/trace/1'];
    for (const url of garbage) assert.equal(parseJaegerLink(url, UI), undefined, url.slice(0, 40));
    assert.equal(parseJaegerLink(`${UI}/trace/${TRACE}`, 'not a url'), undefined);
    assert.equal(parseJaegerLink(`${UI}/trace/${TRACE}`, ''), undefined);
    assert.equal(parseJaegerLink(`ftp://jaeger.acme.dev/trace/${TRACE}`, 'ftp://jaeger.acme.dev'), undefined);
    assert.equal(parseJaegerLink(undefined as unknown as string, UI), undefined);
    assert.equal(parseJaegerLink(`${UI}/trace/${TRACE}`, null as unknown as string), undefined);
  });
});
