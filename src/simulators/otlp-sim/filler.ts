/**
 * Filler bodies for `oversizeNext`: a real trace of the right size, serialised in the route's
 * own format, so a client's byte cap (not its parser) is what rejects it.
 */
import { generateTrace } from '../lightstep/generate-trace.js';
import type { SimTrace } from '../lightstep/generate-trace.js';
import { byteLength } from './json-chunks.js';

/** Largest filler trace; ~1M spans is already a few hundred MB in any format. */
const MAX_SPANS = 1_000_000;
const SAMPLE_SPANS = 500;

/**
 * Builds a body of about `bytes` bytes (never much smaller; at least one span) by serialising a
 * generated trace whose span count is estimated from a sample.
 */
export function fillerBody(bytes: number, serialise: (trace: SimTrace) => Buffer[]): Buffer[] {
  const sample = serialise(generateTrace({ spans: SAMPLE_SPANS, seed: 9_001 }));
  const perSpan = byteLength(sample) / SAMPLE_SPANS;
  const spans = Math.min(MAX_SPANS, Math.max(1, Math.ceil(bytes / perSpan)));
  if (spans === SAMPLE_SPANS) return sample;
  return serialise(generateTrace({ spans, seed: 9_001 }));
}

/** A small bounded cache (filler bodies are big; tests ask for a handful of sizes). */
export class FillerCache {
  private readonly bodies = new Map<string, Buffer[]>();

  get(format: string, bytes: number, build: () => Buffer[]): Buffer[] {
    const key = `${format}:${bytes}`;
    let body = this.bodies.get(key);
    if (body === undefined) {
      if (this.bodies.size >= 4) this.bodies.clear();
      body = build();
      this.bodies.set(key, body);
    }
    return body;
  }
}
