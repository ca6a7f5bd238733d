import type { LinkRecognizer } from '../../domain/ports.js';
import type { TraceRef } from '../../domain/types.js';
import type { BackendConfig } from './backend-config.js';
import { moduleFor } from './registry.js';

/**
 * Tries each configured backend's recogniser in configuration order; the first that knows the
 * link wins (two backends on one host are told apart by their path prefixes, so order only
 * matters for overlapping configurations, and then the operator's order is the rule).
 */
export function createLinkRecognizer(backends: readonly BackendConfig[]): LinkRecognizer {
  const recognisers = backends.map((config) => moduleFor(config).recogniser(config));
  return {
    recognise(url: string): TraceRef | undefined {
      if (typeof url !== 'string') return undefined;
      for (const recognise of recognisers) {
        const ref = recognise(url);
        if (ref !== undefined) return ref;
      }
      return undefined;
    },
  };
}
