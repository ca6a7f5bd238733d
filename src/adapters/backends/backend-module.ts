import type { FetchTraceResult } from '../../domain/ports.js';
import type { TraceRef } from '../../domain/types.js';
import type { BackendConfig } from './backend-config.js';
import type { TraceHttp } from './http/get-trace-reply.js';

/** Fetches the traces of one configured backend (in a preview worker). */
export interface TraceClient {
  fetchTrace(ref: TraceRef, signal?: AbortSignal): Promise<FetchTraceResult>;
}

/** What `lsslack doctor` learnt by asking a backend. */
export type ProbeResult = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly detail: string; readonly fix: string };

/**
 * Everything lsslack knows about one kind of trace backend. A new backend is one module and one
 * entry in the registry (registry.ts); nothing else in lsslack names a backend.
 */
export interface BackendModule<C extends BackendConfig = BackendConfig> {
  readonly kind: C['kind'];
  /** The product name people know (manifest descriptions, doctor). */
  readonly product: string;
  /**
   * Recognises this backend's trace links. Pure and total: untrusted text in, a reference or
   * undefined out (it runs where events are handled, before anyone may see anything).
   */
  recogniser(config: C): (url: string) => TraceRef | undefined;
  /** The client that fetches and decodes its traces into the common model. */
  client(config: C, http: TraceHttp): TraceClient;
  /** Hosts Slack must send `link_shared` for (the manifest's `unfurl_domains`). */
  domains(config: C): string[];
  /** Reachable, and are the credentials accepted? (`lsslack doctor`) */
  probe(config: C, http: TraceHttp): Promise<ProbeResult>;
}
