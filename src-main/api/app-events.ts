import type { EventData, EventName } from '../../src-common/api/contract';
import { makeEvent } from '../../src-common/api/validate';

type AnyListener = (event: EventName, data: unknown) => void;

/**
 * The main side's outgoing events (chat steps, download progress, peaks progress, …). Services emit here; each
 * transport (the host's WebSocket, Electron's port) forwards everything to its pages. Data is validated against the
 * contract on emit, so a service cannot push what the renderer would refuse.
 */
export class AppEvents {
  private readonly listeners = new Set<AnyListener>();

  emit<E extends EventName>(event: E, data: EventData<E>): void {
    const checked = makeEvent(event, data).data;
    for (const listener of this.listeners) listener(event, checked);
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  onAny(listener: AnyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
