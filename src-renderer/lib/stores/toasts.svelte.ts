import { ApiError } from '../../../src-common/api/errors';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

/** Most toasts shown at once; the oldest goes when another arrives. */
const MAX_TOASTS = 5;
/** Info toasts leave by themselves; errors stay until dismissed. */
const INFO_MS = 5000;

class Toasts {
  items = $state<Toast[]>([]);
  private nextId = 1;

  show(kind: Toast['kind'], message: string): number {
    const id = this.nextId++;
    this.items = [...this.items, { id, kind, message }].slice(-MAX_TOASTS);
    if (kind === 'info') setTimeout(() => this.dismiss(id), INFO_MS);
    return id;
  }

  /** Shows an error from anywhere (API, upload, media element) with the message the main side wrote. */
  error(error: unknown, context?: string): number {
    const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
    return this.show('error', context ? `${context}: ${message}` : message);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((toast) => toast.id !== id);
  }
}

export const toasts = new Toasts();
