import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as fc from 'fast-check';
import { ApiError } from '../../src-common/api/errors';

/**
 * Shared by the fuzz tests (`*.fuzz.test.ts`): how many inputs to try, and a worker that runs one input at a time
 * under a time limit (a synchronous hang, e.g. in a WASM decoder, cannot be interrupted by a timer in the same thread;
 * terminating the worker can). Run longer with `FUZZ_RUNS=100000 npm run test:unit -- fuzz`; FUZZ_SEED replays a run.
 */
export function fuzzRuns(fallback: number): number {
  const runs = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(runs) && runs > 0 ? runs : fallback;
}

/** fast-check parameters: FUZZ_RUNS (or `fallback`) inputs, FUZZ_SEED if set, and a time limit per async run. */
export function fuzzParameters<T>(fallback: number, timeoutMs = 5000): fc.Parameters<T> {
  const seed = Number(process.env.FUZZ_SEED);
  return { numRuns: fuzzRuns(fallback), timeout: timeoutMs, ...(Number.isInteger(seed) ? { seed } : {}) };
}

/** What a fuzz target may throw: an ApiError with a code, or one of the typed errors the caller names. */
export function isTypedError(error: unknown, ...types: (new (...args: never[]) => Error)[]): boolean {
  if (error instanceof ApiError) return typeof error.code === 'string' && error.message.length > 0;
  return types.some((type) => error instanceof type);
}

/** An error as plain data (what a worker sends back). */
export interface ErrorData {
  name: string;
  message: string;
  apiCode: string | null;
  stack?: string;
}

export const errorData = (error: unknown): ErrorData =>
  error instanceof ApiError
    ? { name: 'ApiError', message: error.message, apiCode: error.code }
    : error instanceof Error
      ? { name: error.constructor?.name ?? error.name, message: error.message, apiCode: null, stack: error.stack }
      : { name: typeof error, message: String(error), apiCode: null };

export type GuardedReply<R> = { ok: true; result: R } | { ok: false; error: ErrorData } | { hang: true; ms: number } | { crashed: string };

/**
 * Runs jobs one at a time in a worker thread (`entry`: a .ts file that posts `{ ready: true }` once loaded, then answers
 * `{ id, job }` messages with `{ id, reply }`), each under `timeoutMs`; a job that takes longer gets `{ hang }` and the worker is replaced.
 */
export class GuardedWorker<J, R> {
  private current: { worker: Worker; ready: Promise<void> } | null = null;
  private next = 0;

  constructor(
    private readonly entry: string,
    private readonly timeoutMs: number,
  ) {}

  private start(): { worker: Worker; ready: Promise<void> } {
    const api = import.meta.resolve('tsx/esm/api');
    if (!existsSync(this.entry)) throw new Error(`No worker script at ${this.entry}`);
    const script = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(this.entry).href)}); });`;
    const worker = new Worker(script, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 512 } });
    worker.unref();
    // The time limit starts once the worker has loaded its modules (slow on a busy machine, and not the input's fault).
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if ((message as { ready?: boolean })?.ready) {
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the fuzz worker exited with code ${code} while starting`)));
    });
    ready.catch(() => undefined);
    this.current = { worker, ready };
    return this.current;
  }

  async run(job: J): Promise<GuardedReply<R>> {
    const { worker, ready } = this.current ?? this.start();
    await ready;
    const id = this.next++;
    const started = Date.now();
    return new Promise((resolve) => {
      const done = (reply: GuardedReply<R>) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(reply);
      };
      const forget = () => {
        if (this.current?.worker === worker) this.current = null;
      };
      const onMessage = (message: { id: number; reply: GuardedReply<R> }) => {
        if (message.id === id) done(message.reply);
      };
      const onError = (error: Error) => {
        forget();
        done({ crashed: `${error.name}: ${error.message}` });
      };
      const onExit = (code: number) => {
        forget();
        done({ crashed: `the worker exited with code ${code}` });
      };
      const timer = setTimeout(() => {
        forget();
        void worker.terminate();
        done({ hang: true, ms: Date.now() - started });
      }, this.timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = null;
    if (current) await current.worker.terminate();
  }
}

export const securityDir = dirname(fileURLToPath(import.meta.url));
export const fuzzWorker = (name: string) => join(securityDir, 'workers', name);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside a JSON document ([] is the root). */
function jsonPaths(value: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) jsonPaths(item, [...at, i], out);
  } else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) jsonPaths(item, [...at, key], out);
  return out;
}

/** Values that tend to break parsers: traversal paths, huge and odd numbers, long and odd strings. */
export const nastyValue = (): fc.Arbitrary<Json> =>
  fc.oneof(
    fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
    fc.constantFrom<Json>(
      '../../../etc/passwd',
      '/etc/passwd',
      'C:\\Windows\\win.ini',
      '..',
      '',
      'a\u0000b',
      '\ud800',
      'x'.repeat(70_000),
      -1,
      0,
      1e308,
      -0,
      2 ** 53 + 1,
      0.5,
      true,
      null,
      [],
      {},
      { __proto__: { polluted: true } } as Json,
      JSON.parse('{"__proto__":{"polluted":true}}') as Json,
    ),
  );

/**
 * A JSON document with 1–4 edits at random places: a value replaced, a key deleted, or an extra key added.
 * Returns the edited copy (`base` is not changed).
 */
export function mutatedJson(base: Json): fc.Arbitrary<Json> {
  const paths = jsonPaths(base);
  const edit = fc.record({
    path: fc.constantFrom(...paths),
    kind: fc.constantFrom('replace', 'delete', 'add'),
    value: nastyValue(),
    key: fc.string({ maxLength: 12 }),
  });
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let doc = structuredClone(base);
    for (const edit of edits) {
      const { path, kind, key } = edit;
      // a copy: constants ([], {}) are shared between runs, and inserting one twice could make a cycle
      const value = structuredClone(edit.value);
      if (path.length === 0) {
        if (kind === 'replace') doc = value;
        continue;
      }
      let parent: Json = doc;
      for (const step of path.slice(0, -1)) {
        if (parent === null || typeof parent !== 'object') break;
        parent = (parent as Record<string, Json>)[step as string] as Json;
      }
      if (parent === null || typeof parent !== 'object') continue;
      const last = path[path.length - 1] as string | number;
      const container = parent as Record<string | number, Json>;
      if (kind === 'replace') container[last] = value;
      else if (kind === 'delete') {
        if (Array.isArray(parent)) parent.splice(last as number, 1);
        else delete container[last];
      } else if (!Array.isArray(parent)) Object.defineProperty(container, key, { value, enumerable: true, configurable: true, writable: true });
      else parent.push(value);
    }
    return doc;
  });
}
