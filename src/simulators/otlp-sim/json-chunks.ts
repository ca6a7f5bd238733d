/**
 * Fast JSON output helpers shared by the trace-backend simulators (Jaeger, Zipkin, Tempo).
 *
 * Simulators may share code with each other, never with the product: this module only uses node
 * built-ins.
 */

/**
 * Appends strings into fixed-size Buffers. A 100k-span body is tens of MB: one JSON.stringify of
 * a whole response object would build a huge intermediate object graph and a string near V8's
 * limits for bigger traces; writing each span's JSON straight into 8 MB chunks avoids both.
 */
export class ChunkWriter {
  static readonly CHUNK = 8 << 20;
  private readonly chunks: Buffer[] = [];
  private cur = Buffer.allocUnsafe(ChunkWriter.CHUNK);
  private off = 0;
  private total = 0;

  write(s: string): void {
    const worst = s.length * 3; // worst-case UTF-8 expansion of UTF-16 code units
    if (this.off + worst > this.cur.length) {
      this.flush();
      if (worst > ChunkWriter.CHUNK) {
        const big = Buffer.from(s, 'utf8');
        this.chunks.push(big);
        this.total += big.length;
        return;
      }
      this.cur = Buffer.allocUnsafe(ChunkWriter.CHUNK);
    }
    const n = this.cur.write(s, this.off, 'utf8');
    this.off += n;
    this.total += n;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.total;
  }

  finish(): Buffer[] {
    this.flush();
    return this.chunks;
  }

  private flush(): void {
    if (this.off > 0) this.chunks.push(this.cur.subarray(0, this.off));
    this.cur = Buffer.alloc(0);
    this.off = 0;
  }
}

/** Printable ASCII without `"` and `\\`: such strings need no JSON escaping. */
const JSON_SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON string literal; skips JSON.stringify for the common plain-ASCII case. */
export function jsonString(s: string): string {
  return JSON_SAFE.test(s) ? `"${s}"` : JSON.stringify(s);
}

/**
 * Decimal form of an integer that may exceed 2^31 (epoch µs). V8's generic double-to-string is
 * several times slower than Smi formatting, so a 16-digit integer is printed as two halves.
 */
export function jsonInt(n: number): string {
  const v = Math.round(n);
  if (v >= 1e9 && Number.isSafeInteger(v)) {
    const hi = Math.floor(v / 1e9);
    const lo = v - hi * 1e9;
    return `${hi}${String(lo).padStart(9, '0')}`;
  }
  return String(v);
}

/** Total byte length of a chunked body. */
export function byteLength(chunks: readonly Buffer[]): number {
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  return n;
}

/** Concatenates a chunked body into one string (tests and small bodies only). */
export function chunksToString(chunks: readonly Buffer[]): string {
  return Buffer.concat(chunks as Buffer[]).toString('utf8');
}
