import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { EngineStatus } from '../../src-common/api/schemas';
import { EngineClient } from './engine-client';
import { forkEngine } from './fork-engine';

const waitFor = (client: EngineClient, predicate: (s: EngineStatus) => boolean) =>
  new Promise<EngineStatus>((resolve) => {
    if (predicate(client.status())) return resolve(client.status());
    const off = client.onStatus((status) => {
      if (predicate(status)) {
        off();
        resolve(status);
      }
    });
  });

describe('engine process', () => {
  const engine = new EngineClient(forkEngine());
  after(() => engine.dispose());

  it('starts in its own process and reports onnxruntime and its backends', async () => {
    const status = await engine.start();
    assert.equal(status.state, 'ready');
    assert.ok(status.pid && status.pid !== process.pid, 'runs in another process');
    assert.match(status.onnxruntime ?? '', /^\d+\.\d+/);
    assert.ok(status.backends.some((b) => b.name === 'cpu'));
  });

  it('survives a crash: the call in flight fails with engine_crashed and a new process takes over', async () => {
    const first = await engine.start();
    const inFlight = engine.call('hello', {});
    process.kill(first.pid ?? 0, 'SIGKILL');
    await inFlight.then(
      () => undefined, // the reply may have won the race with the kill; the restart below is what matters
      (error: { code?: string }) => assert.equal(error.code, 'engine_crashed'),
    );
    const restarted = await waitFor(engine, (s) => s.state === 'ready' && s.pid !== first.pid);
    assert.equal(restarted.restarts, first.restarts + 1);
    const hello = await engine.call('hello', {});
    assert.equal(hello.pid, restarted.pid);
  });
});
