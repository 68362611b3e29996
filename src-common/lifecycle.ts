/**
 * Lifetimes: anything that holds a resource (a process, a listener, a timer, a server) is a `Disposable`, and one
 * verb ends it. A `DisposableStore` owns several and disposes them in reverse order of adding, so what was created
 * last (and may depend on the rest) goes first.
 */
export interface Disposable {
  dispose(): void | Promise<void>;
}

export function toDisposable(dispose: () => void | Promise<void>): Disposable {
  return { dispose };
}

export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Takes ownership; adding to a disposed store disposes the item at once (it would otherwise leak). */
  add<T extends Disposable>(item: T): T {
    if (this.disposed) void item.dispose();
    else this.items.push(item);
    return item;
  }

  /** Disposes everything, last added first; one failure does not stop the others, and is rethrown at the end. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    let failure: unknown = null;
    for (const item of this.items.splice(0).reverse()) {
      try {
        await item.dispose();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure) throw failure;
  }
}
