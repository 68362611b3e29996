import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineStatus } from '../../../src-common/api/schemas';
import { FakeApi, settle } from '../test-doubles';
import { EngineStore } from './engine.svelte';

const status = (state: EngineStatus['state'], restarts = 0): EngineStatus => ({
  state,
  pid: state === 'ready' ? 42 : null,
  restarts,
  onnxruntime: '1.30.0',
  backends: [{ name: 'cpu', bundled: true }],
  lastError: state === 'crashed' ? 'engine_crashed' : null,
});

describe('EngineStore', () => {
  it('asks for the status on every (re)connect and follows engine.status between', async () => {
    let current = status('starting');
    const api = new FakeApi().answer('engine.status', () => current);
    const engine = new EngineStore(api);
    assert.equal(engine.status?.state, undefined, 'nothing asked before a channel opens');
    api.connect();
    await settle();
    assert.equal(engine.status?.state, 'starting');
    api.emit('engine.status', status('crashed', 1));
    assert.equal(engine.status?.state, 'crashed');
    current = status('ready', 1);
    api.connect();
    await settle();
    assert.deepEqual(engine.status, status('ready', 1));
    assert.deepEqual(api.methods(), ['engine.status', 'engine.status']);
  });

  it('logs a failed fetch (the status stays unknown) and unsubscribes when disposed', async () => {
    const logged: string[] = [];
    const api = new FakeApi().answer('engine.status', () => {
      throw new Error('gone');
    });
    const engine = new EngineStore(api, (message, error) => logged.push(`${message} ${(error as Error).message}`));
    api.connect();
    await settle();
    assert.deepEqual(logged, ['engine.status failed: gone']);
    assert.equal(engine.status, null);
    await engine.dispose();
    assert.equal(api.subscriptions, 0);
    api.emit('engine.status', status('ready'));
    assert.equal(engine.status, null);
  });
});
