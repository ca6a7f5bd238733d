import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseZipkinLink } from '../../src/adapters/backends/zipkin/parse-zipkin-link.js';

const ROOT = 'https://zipkin.acme.dev';
const PREFIXED = 'https://acme.dev/zipkin';
const TRACE = '4e441824ec2b6a44ffdc9bb9a6453df3';

describe('parseZipkinLink', () => {
  it('parses {zipkin}/zipkin/traces/{traceId}', () => {
    assert.deepEqual(parseZipkinLink(`${ROOT}/zipkin/traces/${TRACE}`, ROOT), { traceId: TRACE });
  });

  it('parses {base}/traces/{traceId} when the base already ends in the UI prefix', () => {
    assert.deepEqual(parseZipkinLink(`${PREFIXED}/traces/${TRACE}`, PREFIXED), { traceId: TRACE });
    assert.deepEqual(parseZipkinLink(`${PREFIXED}/traces/${TRACE}`, `${PREFIXED}/`), { traceId: TRACE });
  });

  it('pads 64-bit ids and ids missing leading zeros to 32 hex, and lowercases', () => {
    assert.deepEqual(parseZipkinLink(`${ROOT}/zipkin/traces/FFDC9BB9A6453DF3`, ROOT), { traceId: '0000000000000000ffdc9bb9a6453df3' });
    assert.deepEqual(parseZipkinLink(`${ROOT}/zipkin/traces/3e8`, ROOT), { traceId: '000000000000000000000000000003e8' });
  });

  it("accepts a trailing slash, Slack's &amp; and other query parameters", () => {
    assert.deepEqual(parseZipkinLink(`${ROOT}/zipkin/traces/${TRACE}/?a=1&amp;b=2#top`, ROOT), { traceId: TRACE });
  });

  it('matches origins through URL serialisation', () => {
    assert.deepEqual(parseZipkinLink(`HTTPS://ZIPKIN.acme.dev:443/zipkin/traces/${TRACE}`, ROOT), { traceId: TRACE });
    assert.deepEqual(parseZipkinLink(`http://localhost:9411/zipkin/traces/${TRACE}`, 'http://localhost:9411'), { traceId: TRACE });
  });

  it('rejects other origins and paths outside the base', () => {
    for (const [url, base] of [
      [`https://evil.dev/zipkin/traces/${TRACE}`, ROOT],
      [`https://zipkin.acme.dev.evil.dev/zipkin/traces/${TRACE}`, ROOT],
      [`http://zipkin.acme.dev/zipkin/traces/${TRACE}`, ROOT],
      [`https://zipkin.acme.dev:9411/zipkin/traces/${TRACE}`, ROOT],
      [`https://acme.dev/traces/${TRACE}`, PREFIXED],
      [`https://acme.dev/zipkinx/traces/${TRACE}`, PREFIXED],
    ] as const) {
      assert.equal(parseZipkinLink(url, base), undefined, url);
    }
  });

  it('rejects other Zipkin pages and malformed ids', () => {
    for (const path of [
      '/zipkin/',
      `/zipkin/?serviceName=cart`,
      `/zipkin/traces/`,
      `/zipkin/trace/${TRACE}`,
      `/zipkin/traces/${TRACE}/spans`,
      `/zipkin/traces/${TRACE}0`,
      '/zipkin/traces/not-hex',
      '/zipkin/traces/0000000000000000',
      `/zipkin/dependency?traceId=${TRACE}`,
    ]) {
      assert.equal(parseZipkinLink(`${ROOT}${path}`, ROOT), undefined, path);
    }
  });

  it('returns undefined for garbage and never throws', () => {
    for (const url of ['', 'zipkin', 'https://', '\u0000\u0001', `${ROOT}/zipkin/traces/${'f'.repeat(250_000)}`]) {
      assert.equal(parseZipkinLink(url, ROOT), undefined, url.slice(0, 40));
    }
    assert.equal(parseZipkinLink(`${ROOT}/zipkin/traces/${TRACE}`, '::'), undefined);
    assert.equal(parseZipkinLink(42 as unknown as string, ROOT), undefined);
  });
});
