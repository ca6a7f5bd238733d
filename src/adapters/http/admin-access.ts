import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Whether the peer is on this machine (IPv4 127/8, IPv6 ::1, or IPv4-mapped loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/**
 * Admin endpoints (/status, /status/stream, /metrics): with LSSLACK_ADMIN_TOKEN set, everyone must
 * send `Authorization: Bearer <token>`; without it, only loopback clients are answered.
 */
export function adminAllowed(req: IncomingMessage, adminToken: string | undefined): boolean {
  if (adminToken === undefined) return isLoopback(req.socket.remoteAddress);
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  // Hash both sides so the compare is constant-time whatever the lengths.
  const given = createHash('sha256').update(header.slice(7)).digest();
  const expected = createHash('sha256').update(adminToken).digest();
  return timingSafeEqual(given, expected);
}
