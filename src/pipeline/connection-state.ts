/** How lsslack is connected to Slack, for /readyz, /status and the dashboard. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'down' | 'listening';

export interface ConnectionSnapshot {
  readonly state: ConnectionState;
  readonly since: number;
  readonly reconnects: number;
}

export interface ConnectionTracker {
  set(state: ConnectionState): void;
  snapshot(): ConnectionSnapshot;
}

export function createConnectionTracker(now: () => number = Date.now): ConnectionTracker {
  let snapshot: ConnectionSnapshot = { state: 'disconnected', since: now(), reconnects: 0 };
  return {
    set(state) {
      if (state === snapshot.state) return;
      snapshot = { state, since: now(), reconnects: snapshot.reconnects + (state === 'reconnecting' ? 1 : 0) };
    },
    snapshot: () => snapshot,
  };
}
