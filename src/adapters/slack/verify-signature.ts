import { createHmac, timingSafeEqual } from 'node:crypto';
import { LsslackError } from '../../domain/errors.js';

export interface VerifyInput {
  readonly signingSecret: string;
  readonly rawBody: Buffer;
  /** X-Slack-Request-Timestamp, as sent. */
  readonly timestamp: string | undefined;
  /** X-Slack-Signature, as sent. */
  readonly signature: string | undefined;
  /** ms since epoch; injectable so tests can pin the clock. */
  readonly now?: number;
}

const MAX_SKEW_S = 5 * 60;

/**
 * Slack request signing v0 (slack-platform.md §1.1): `v0=` + hex HMAC-SHA256 of
 * `v0:{timestamp}:{raw body}` with the signing secret, compared in constant time. The timestamp
 * must be within 5 minutes of now in *either* direction (bolt-js only rejects old ones).
 * Throws LsslackError `request_stale` or `signature_invalid`; returns nothing when valid.
 */
export function verifySlackSignature(input: VerifyInput): void {
  const { timestamp, signature } = input;
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) {
    throw new LsslackError('signature_invalid', 'X-Slack-Request-Timestamp is missing or not a number of seconds');
  }
  const skew = Math.abs(Math.floor((input.now ?? Date.now()) / 1000) - Number(timestamp));
  if (skew > MAX_SKEW_S) throw new LsslackError('request_stale', 'X-Slack-Request-Timestamp is more than 5 minutes away from now');
  if (signature === undefined || !/^v0=[0-9a-f]{64}$/.test(signature)) {
    throw new LsslackError('signature_invalid', 'X-Slack-Signature is missing or not a v0 signature');
  }
  const expected = Buffer.from(`v0=${createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:`).update(input.rawBody).digest('hex')}`);
  const given = Buffer.from(signature);
  // timingSafeEqual throws on a length mismatch, so lengths are compared first (they are equal here by the regex).
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new LsslackError('signature_invalid', 'X-Slack-Signature does not match the body');
  }
}
