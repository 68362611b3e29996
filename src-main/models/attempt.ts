/**
 * One HTTP attempt's cancellation: it ends when the caller's signal aborts or when no byte has arrived for
 * `stallMs` (a silent connection). Chunks only stamp the time (`touch`); the timer re-arms itself for the rest of the
 * idle period, because re-creating a timer per chunk (thousands a second) was measurable per-chunk overhead.
 */
export class Attempt {
  private readonly controller = new AbortController();
  private lastByteAt = performance.now();
  private timer: NodeJS.Timeout;
  /** True once the attempt was ended for silence rather than by the caller. */
  stalled = false;

  constructor(
    private readonly outer: AbortSignal,
    readonly stallMs: number,
  ) {
    outer.addEventListener('abort', this.stop, { once: true });
    this.timer = setTimeout(this.onStall, stallMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** A byte arrived. */
  touch(): void {
    this.lastByteAt = performance.now();
  }

  /** Why the attempt failed when it was ended for silence. */
  get stallReason(): string | undefined {
    return this.stalled ? `no data for ${this.stallMs} ms` : undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.outer.removeEventListener('abort', this.stop);
  }

  private readonly stop = () => this.controller.abort();

  private readonly onStall = () => {
    const idle = performance.now() - this.lastByteAt;
    if (idle < this.stallMs) {
      this.timer = setTimeout(this.onStall, this.stallMs - idle);
      return;
    }
    this.stalled = true;
    this.controller.abort();
  };
}
