import type { DiffaBridge } from '../../src-common/api/bridge';

/**
 * What the page's stores need from the browser, passed in rather than read from `window` at import time, so each
 * store is built by the page's composition (lib/page.ts) and by unit tests alike.
 */

/** Small values the page remembers between runs (the chat's width and model); absent or refused storage is not an error. */
export interface KeyValueStorage {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

/** A media query's current answer and its changes (`on()` returns the unsubscribe). */
export interface MediaWatch {
  readonly matches: boolean;
  on(listener: (matches: boolean) => void): () => void;
}

export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PageEnv {
  storage: KeyValueStorage;
  /** Answers `prefers-color-scheme: dark`. */
  darkScheme: MediaWatch;
  /** Answers `prefers-reduced-motion: reduce`. */
  reducedMotion: MediaWatch;
  timers: Timers;
  /** A monotonic clock in ms (the chat's time to the first step; the exchange view reads the same clock). */
  now(): number;
  /** Electron's preload bridge; absent in a browser page of the headless host. */
  bridge: DiffaBridge | undefined;
  /** Uploads a file to the headless host (used where there is no bridge). */
  upload(file: File): Promise<{ id: string }>;
}

/** localStorage, where the page may use it (a file: URL or privacy settings can refuse it). */
export function browserStorage(storage: () => Storage): KeyValueStorage {
  return {
    get(key) {
      try {
        return storage().getItem(key);
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        storage().setItem(key, value);
      } catch {
        // private windows may refuse storage: the value is then not remembered, nothing else breaks
      }
    },
  };
}

export function mediaWatch(query: MediaQueryList): MediaWatch {
  return {
    get matches() {
      return query.matches;
    },
    on(listener) {
      const changed = (event: MediaQueryListEvent) => listener(event.matches);
      query.addEventListener('change', changed);
      return () => query.removeEventListener('change', changed);
    },
  };
}
