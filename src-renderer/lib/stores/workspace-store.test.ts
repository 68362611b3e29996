import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventData, EventName } from '../../../src-common/api/contract';
import { type Exchange, ExchangeSchema, type LibraryDoc } from '../../../src-common/api/library';
import { type WorkspaceDeps, WorkspaceStore } from './workspace-store.svelte';

const step = (n: number) => ({ step: n, block: 0, committed: [], masked: 4 - n, earlyStop: false, ms: 1, runMs: 1 });
const exchange = (status: Exchange['status'], trace: Exchange['trace'] = []): Exchange =>
  ExchangeSchema.parse({
    id: 'x1',
    regionId: null,
    span: { start: 0, end: null },
    question: 'What is it?',
    askedAt: '2026-01-01T00:00:00.000Z',
    modelId: 'diffa-tiny',
    decoding: {},
    status,
    answer: null,
    trace,
    error: null,
    redenoiseOf: null,
  });
const doc = (exchanges: Exchange[]): LibraryDoc => ({
  schema: 1,
  fingerprint: 'f',
  fileName: 'a.wav',
  regions: [],
  regionNumbers: 0,
  exchanges,
  updatedAt: '',
});

/** The page's API session as the store sees it: events played by the test, library.get answered from `saved`. */
function fakeDeps(saved: () => LibraryDoc) {
  const listeners = new Map<EventName, (data: never) => void>();
  const requests: string[] = [];
  const errors: string[] = [];
  const deps: WorkspaceDeps = {
    api: {
      on: (event, listener) => {
        listeners.set(event, listener as (data: never) => void);
        return () => listeners.delete(event);
      },
      onConnected: () => () => undefined,
      request: (async (method: string) => {
        requests.push(method);
        if (method === 'library.get') return structuredClone(saved());
        throw new Error(`unexpected ${method}`);
      }) as WorkspaceDeps['api']['request'],
    },
    files: { selectedId: 'file-1' },
    toasts: { error: (error, context) => errors.push(`${context}: ${(error as Error).message}`) },
  };
  const emit = <E extends EventName>(event: E, data: EventData<E>) => listeners.get(event)?.(data as never);
  return { deps, emit, requests, errors };
}

describe('WorkspaceStore (built with its dependencies passed in)', () => {
  it('keeps the streamed steps as the trace of a finished answer, which chat.updated does not repeat', async () => {
    const { deps, emit, requests } = fakeDeps(() => doc([exchange('pending')]));
    const store = new WorkspaceStore(deps);
    await store.load('file-1');
    for (const n of [1, 2, 3]) emit('chat.step', { fileId: 'file-1', exchangeId: 'x1', step: step(n) });
    assert.equal(store.live.x1?.length, 3);
    emit('chat.updated', { fileId: 'file-1', exchange: exchange('done'), traceLength: 3 });
    assert.deepEqual(
      store.doc?.exchanges[0]?.trace.map((s) => s.step),
      [1, 2, 3],
    );
    assert.equal(store.doc?.exchanges[0]?.status, 'done');
    assert.equal(store.live.x1, undefined, 'the live steps are handed over');
    assert.deepEqual(requests, ['library.get'], 'no second load');
  });

  it('fetches the saved answer when it missed steps (connected mid-answer)', async () => {
    let saved = doc([exchange('pending')]);
    const { deps, emit, requests } = fakeDeps(() => saved);
    const store = new WorkspaceStore(deps);
    await store.load('file-1');
    emit('chat.step', { fileId: 'file-1', exchangeId: 'x1', step: step(3) });
    saved = doc([exchange('done', [step(1), step(2), step(3)])]);
    emit('chat.updated', { fileId: 'file-1', exchange: exchange('done'), traceLength: 3 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(requests, ['library.get', 'library.get']);
    assert.deepEqual(
      store.doc?.exchanges[0]?.trace.map((s) => s.step),
      [1, 2, 3],
    );
  });

  it('ignores another file, and says why a library could not load', async () => {
    const { deps, emit, errors } = fakeDeps(() => {
      throw new Error('disk gone');
    });
    const store = new WorkspaceStore(deps);
    await store.load('file-1');
    assert.equal(store.doc, null);
    assert.deepEqual(errors, ['Cannot load the saved regions and chats of this file: disk gone']);
    emit('chat.step', { fileId: 'other', exchangeId: 'x1', step: step(1) });
    assert.deepEqual(store.live, {});
  });
});
