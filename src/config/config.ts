/** The validated, read-only configuration every component gets a slice of. */
import type { BackendConfig, TraceLimits } from '../adapters/backends/backend-config.js';
import type { DetailDefaults } from '../domain/decide-detail.js';
import type { SettingKey } from './settings.js';

export type Mode = 'socket' | 'http';

export interface Config {
  readonly slack: {
    readonly appToken?: string;
    readonly botToken?: string;
    readonly signingSecret?: string;
    readonly clientId?: string;
    readonly clientSecret?: string;
    readonly apiUrl: string;
    readonly authorizeUrl: string;
  };
  /** The trace backends whose links are unfurled, in the order they are tried. */
  readonly backends: readonly BackendConfig[];
  readonly traceLimits: TraceLimits;
  /** How long after its event a preview waits out an outage before it is given up. */
  readonly outageRideOutMs: number;
  readonly mode: Mode;
  readonly http: { readonly host: string; readonly port: number; readonly publicUrl: string };
  readonly dataDir: string;
  readonly concurrency: number;
  /** Preview worker processes (fetch → analyse → render → post), apart from the daemon that acks. */
  readonly previewWorkers: number;
  /** Heap limit of each preview worker, MiB. */
  readonly previewHeapMb: number;
  /** Jobs held in memory at once (queued, running, deferred); the rest wait in the journal. */
  readonly queueMemory: number;
  /** Previews carry a Work Object card (and the flexpane answers per viewer). */
  readonly workObjects: boolean;
  /** How much previews show when no channel policy says otherwise. */
  readonly detailDefaults: DetailDefaults;
  /** After how long a preview of a trace still arriving is refreshed (each delay after the previous post); empty: never. */
  readonly refreshDelaysMs: readonly number[];
  readonly logLevel: string;
  readonly secretKey?: string;
  readonly adminToken?: string;
  readonly shutdownTimeoutMs: number;
  readonly storeUrl?: string;
  /** Where each setting's value came from, for `lsslack config list`. */
  readonly sources: Readonly<Record<string, SettingSource>>;
  /** Each setting's effective value as given (secrets included: mask before showing). */
  readonly values: Readonly<Partial<Record<SettingKey, string>>>;
}

export type SettingSource = 'flag' | 'env' | 'file' | 'saved' | 'default';
