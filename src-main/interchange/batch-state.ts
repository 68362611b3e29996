import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { type Exchange, ExchangeSchema } from '../../src-common/api/library';

/**
 * A batch's finished work: one JSON line per answered item, appended as soon as the answer arrives, so a run that
 * stops (Ctrl-C, crash, power) loses at most the answers in flight. A rerun skips every key found here. Failed
 * items are not recorded: a rerun tries them again. A torn last line (a crash mid-append) is ignored.
 */
export class BatchState {
  private readonly done = new Map<string, Exchange>();
  private chain: Promise<void> = Promise.resolve();
  private pendingNewline = false;

  private constructor(readonly path: string) {}

  static async open(path: string): Promise<BatchState> {
    const state = new BatchState(path);
    if (!existsSync(path)) return state;
    const text = await readFile(path, 'utf8');
    // After a torn last line, the next record must start on a line of its own.
    state.pendingNewline = text.length > 0 && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as { key?: unknown; exchange?: unknown };
        const exchange = ExchangeSchema.safeParse(entry.exchange);
        if (typeof entry.key === 'string' && exchange.success) state.done.set(entry.key, exchange.data);
      } catch {
        // a line cut short by a crash
      }
    }
    return state;
  }

  get(key: string): Exchange | undefined {
    return this.done.get(key);
  }

  /** Records a finished item; appends are serialised so lines never interleave. */
  record(key: string, exchange: Exchange): Promise<void> {
    this.done.set(key, exchange);
    const line = `${this.pendingNewline ? '\n' : ''}${JSON.stringify({ key, exchange })}\n`;
    this.pendingNewline = false;
    this.chain = this.chain.then(() => appendFile(this.path, line));
    return this.chain;
  }

  flushed(): Promise<void> {
    return this.chain;
  }
}
