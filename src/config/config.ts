/** The validated, read-only configuration every component gets a slice of. */
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
  readonly lightstep: {
    readonly appOrigins: readonly string[];
    readonly apiUrl: string;
    readonly org?: string;
    readonly apiKey?: string;
  };
  readonly mode: Mode;
  readonly http: { readonly host: string; readonly port: number; readonly publicUrl: string };
  readonly dataDir: string;
  readonly concurrency: number;
  /** Preview threads (fetch → analyse → render → post), apart from the thread that acks. */
  readonly threads: number;
  readonly logLevel: string;
  readonly secretKey?: string;
  readonly adminToken?: string;
  readonly shutdownTimeoutMs: number;
  readonly storeUrl?: string;
  /** Where each setting's value came from, for `lsslack config list`. */
  readonly sources: Readonly<Record<string, SettingSource>>;
}

export type SettingSource = 'flag' | 'env' | 'file' | 'saved' | 'default';
