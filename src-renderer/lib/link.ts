import type { Transport } from '../../src-common/api/client';

/** Where the channel to the main side stands, as the connection banner shows it. */
export type LinkState =
  | { status: 'connecting' }
  | { status: 'open' }
  | { status: 'lost'; reason: string; attempt: number; retryAt: number }
  | { status: 'closed'; reason: string };

export interface LinkHooks {
  /** A channel opened; the caller builds a fresh API client over it. Called again after every reconnect. */
  opened(transport: Transport): void;
  state(state: LinkState): void;
}

/** A way to reach the main side: the Electron bridge or the headless host's WebSocket. */
export interface Link {
  readonly kind: 'electron' | 'websocket';
  start(hooks: LinkHooks): void;
  /** Skips the backoff wait and tries to reconnect now (no-op where the channel cannot drop). */
  retryNow(): void;
  /** Closes the channel and stops reconnecting (the page is going away). */
  stop(): void;
}
