import { crc32 } from 'node:zlib';
import type { UnfurlJob } from '../../domain/types.js';

/**
 * One line of the journal file: `<crc32 hex> <json>\n`. A line whose checksum or JSON does not
 * hold was torn by a crash or damaged on disk, and is dropped.
 *
 * - `job`: a job was accepted (the only record that must be on disk before the event is acked);
 * - `start`: an attempt of the job began; `retry`: an attempt ended and the job waits to be
 *   tried again (so the starts before it were not crashes);
 * - `done`: the job ended.
 */
export type JournalRecord =
  | { readonly t: 'job'; readonly job: UnfurlJob }
  | { readonly t: 'start'; readonly id: string }
  | { readonly t: 'retry'; readonly id: string }
  | { readonly t: 'done'; readonly id: string };

/** Bytes of the `<crc32 hex> ` prefix. */
const PREFIX = 9;

export function encodeRecord(record: JournalRecord): string {
  const json = JSON.stringify(record);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/**
 * Decodes one line (without its `\n`), given as bytes so the checksum is over exactly what was
 * written. Returns undefined for anything damaged or unknown.
 */
export function decodeRecord(line: Buffer): JournalRecord | undefined {
  if (line.length <= PREFIX || line[PREFIX - 1] !== 0x20) return undefined;
  const json = line.subarray(PREFIX);
  if (crc32(json).toString(16).padStart(8, '0') !== line.toString('latin1', 0, PREFIX - 1)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as { t?: unknown; id?: unknown; job?: { id?: unknown } };
  if (record.t === 'job') return typeof record.job?.id === 'string' ? (value as JournalRecord) : undefined;
  if (record.t === 'done' || record.t === 'start' || record.t === 'retry') return typeof record.id === 'string' ? (value as JournalRecord) : undefined;
  return undefined;
}
