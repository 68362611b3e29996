import type { EventData, EventName } from '../../src-common/api/contract';

type AnyListener = (event: EventName, data: unknown) => void;

/**
 * The main side's one event path: every event for the pages (files, settings, engine status, chat steps, downloads,
 * peaks, batches, menu commands) is published here once, and each transport (the host's WebSocket, Electron's port)
 * forwards all of them. `emit` is typed by the contract; the data are validated where they cross into the page, by
 * the transport as it forwards them (`eventForPage`, api/dispatch.ts) — once per event; a chat step was checked
 * before, once, where it left the engine process (another boundary).
 */
export class AppEvents {
  private readonly listeners = new Set<AnyListener>();

  emit<E extends EventName>(event: E, data: EventData<E>): void {
    for (const listener of this.listeners) listener(event, data);
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  onAny(listener: AnyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
