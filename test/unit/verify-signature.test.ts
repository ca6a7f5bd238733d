import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { verifySlackSignature } from '../../src/adapters/slack/verify-signature.js';

// Slack's documented example request (slack-platform.md §1.1).
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TS = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const NOW_MS = Number(TS) * 1000;

/** The test's own signer (not the product's), straight from the docs. */
function sign(secret: string, ts: string | number, body: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${ts}:`).update(body).digest('hex')}`;
}

type Input = Parameters<typeof verifySlackSignature>[0];
const verify = (over: Partial<Input> = {}) => () =>
  verifySlackSignature({ signingSecret: SECRET, rawBody: Buffer.from(BODY), timestamp: TS, signature: SIGNATURE, now: NOW_MS, ...over });

describe('verifySlackSignature', () => {
  it("verifies Slack's documented example request", () => {
    // Sanity: the test's own HMAC agrees with the documented value.
    assert.equal(sign(SECRET, TS, BODY), SIGNATURE);
    assert.doesNotThrow(verify());
  });

  it('verifies a body with non-ASCII bytes signed over the raw bytes', () => {
    const raw = Buffer.from('{"text":"héllo ✓ \u0000"}', 'utf8');
    assert.doesNotThrow(verify({ rawBody: raw, signature: sign(SECRET, TS, raw) }));
  });

  it('accepts a timestamp exactly 300 s in the past or in the future', () => {
    for (const skew of [-300, 300]) {
      const ts = String(Number(TS) + skew);
      assert.doesNotThrow(verify({ timestamp: ts, signature: sign(SECRET, ts, BODY) }), `skew ${skew}`);
    }
    // The sub-second part of now does not push an exact ±300 s over the edge.
    assert.doesNotThrow(verify({ now: NOW_MS + 999 }));
  });

  it('rejects stale timestamps (more than 5 minutes old) with request_stale', () => {
    for (const skew of [-301, -3600, -Number(TS)]) {
      const ts = String(Number(TS) + skew);
      assert.throws(verify({ timestamp: ts, signature: sign(SECRET, ts, BODY) }), { code: 'request_stale' }, `skew ${skew}`);
    }
    // The documented vector itself is stale against the real clock.
    assert.throws(verify({ now: Date.now() }), { code: 'request_stale' });
  });

  it('rejects future timestamps (more than 5 minutes ahead) with request_stale', () => {
    for (const skew of [301, 3600, 10 ** 9]) {
      const ts = String(Number(TS) + skew);
      assert.throws(verify({ timestamp: ts, signature: sign(SECRET, ts, BODY) }), { code: 'request_stale' }, `skew ${skew}`);
    }
  });

  it('rejects a signature that does not match the body, timestamp or secret', () => {
    assert.throws(verify({ rawBody: Buffer.from(`${BODY}x`) }), { code: 'signature_invalid' });
    assert.throws(verify({ rawBody: Buffer.from('') }), { code: 'signature_invalid' });
    assert.throws(verify({ signingSecret: `${SECRET}x` }), { code: 'signature_invalid' });
    const ts = String(Number(TS) + 1);
    assert.throws(verify({ timestamp: ts }), { code: 'signature_invalid' }, 'signature over another timestamp');
    // One flipped hex digit.
    const flipped = SIGNATURE.slice(0, -1) + (SIGNATURE.endsWith('3') ? '4' : '3');
    assert.throws(verify({ signature: flipped }), { code: 'signature_invalid' });
    assert.throws(verify({ signature: `v0=${'0'.repeat(64)}` }), { code: 'signature_invalid' });
  });

  it('rejects another signature version', () => {
    assert.throws(verify({ signature: SIGNATURE.replace(/^v0=/, 'v1=') }), { code: 'signature_invalid' });
    assert.throws(verify({ signature: SIGNATURE.replace(/^v0=/, 'V0=') }), { code: 'signature_invalid' });
    assert.throws(verify({ signature: SIGNATURE.slice(3) }), { code: 'signature_invalid' }, 'no version prefix');
  });

  it('rejects signatures of the wrong length without throwing anything but signature_invalid', () => {
    for (const signature of [SIGNATURE.slice(0, -1), `${SIGNATURE}0`, `${SIGNATURE}${SIGNATURE.slice(3)}`, 'v0=', 'v0=ab', '']) {
      assert.throws(verify({ signature }), { code: 'signature_invalid' }, JSON.stringify(signature));
    }
  });

  it('rejects uppercase hex (Slack sends lowercase)', () => {
    assert.throws(verify({ signature: `v0=${SIGNATURE.slice(3).toUpperCase()}` }), { code: 'signature_invalid' });
  });

  it('rejects missing headers', () => {
    assert.throws(verify({ signature: undefined }), { code: 'signature_invalid' });
    assert.throws(verify({ timestamp: undefined }), { code: 'signature_invalid' });
    assert.throws(verify({ timestamp: undefined, signature: undefined }), { code: 'signature_invalid' });
  });

  it('rejects malformed timestamps with signature_invalid', () => {
    for (const timestamp of ['', ' ', 'abc', '1531420618.5', '-1531420618', '+1531420618', '1e9', '0x5b4798fa', '1531420618abc', '9'.repeat(40)]) {
      assert.throws(verify({ timestamp, signature: sign(SECRET, timestamp, BODY) }), { code: 'signature_invalid' }, JSON.stringify(timestamp));
    }
  });
});
