import { ApiError } from '../../../src-common/api/errors';
import type { Timers } from '../env';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

/** Most toasts shown at once; the oldest goes when another arrives. */
const MAX_TOASTS = 5;
/** Info toasts leave by themselves; errors stay until dismissed. */
const INFO_MS = 5000;

/** Messages for the person: errors stay until dismissed, info leaves after a few seconds. */
export class ToastsStore {
  items = $state<Toast[]>([]);
  private nextId = 1;
  private readonly timers = new Map<number, unknown>();

  constructor(private readonly clock: Timers) {}

  show(kind: Toast['kind'], message: string): number {
    const id = this.nextId++;
    this.items = [...this.items, { id, kind, message }].slice(-MAX_TOASTS);
    if (kind === 'info')
      this.timers.set(
        id,
        this.clock.setTimeout(() => this.dismiss(id), INFO_MS),
      );
    return id;
  }

  /** Shows an error from anywhere (API, upload, media element) with the message the main side wrote. */
  error(error: unknown, context?: string): number {
    const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
    return this.show('error', context ? `${context}: ${message}` : message);
  }

  dismiss(id: number): void {
    const timer = this.timers.get(id);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    this.timers.delete(id);
    this.items = this.items.filter((toast) => toast.id !== id);
  }

  dispose(): void {
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
    this.timers.clear();
  }
}

/** Where a store sends what went wrong. */
export type ErrorSink = Pick<ToastsStore, 'error'>;
