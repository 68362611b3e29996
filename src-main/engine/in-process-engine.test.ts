import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ApiError } from '../../src-common/api/errors';
import type { AskRequest } from '../../src-common/api/inference';
import { bundledModelsDir } from '../core/resources';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';
import { EngineClient } from './engine-client';
import { engineEnv, forkEngine } from './fork-engine';
import { inProcessEngine } from './in-process-engine';

/** The in-process engine (one CLI question) must answer exactly as the engine process does, and cancel the same way. */
const modelDir = join(bundledModelsDir(), 'diffa-tiny');
const dir = tempDir();
const tone = writeSineWav(join(dir, 'tone.wav'), 1.5, 440, 44100);
const request: AskRequest = {
  modelDir,
  audioPath: tone,
  question: 'What kind of sound is this?',
  decoding: { sampler: 'low-confidence', steps: 8, genLength: 8, blockLength: 8 },
};

describe('engine in the caller’s process', () => {
  const inProcess = new EngineClient(inProcessEngine(engineEnv(dir)));
  const forked = new EngineClient(forkEngine(engineEnv(dir)));
  after(() => {
    inProcess.dispose();
    forked.dispose();
  });

  it('starts, reports this process, and answers token for token as the engine process does', async () => {
    const status = await inProcess.start();
    assert.equal(status.state, 'ready');
    assert.equal(status.pid, process.pid);
    const steps: number[] = [];
    const here = await inProcess.ask(request, { onStep: (step) => steps.push(step.step) });
    const there = await forked.ask(request);
    assert.deepEqual(here.tokens, there.tokens);
    assert.equal(here.answer, there.answer);
    assert.deepEqual(here.cache, there.cache);
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('cancels a running question within a step', async () => {
    const controller = new AbortController();
    const long = { ...request, decoding: { sampler: 'low-confidence' as const, steps: 64, genLength: 64, blockLength: 64, cache: 'none' as const } };
    let seen = 0;
    const asked = inProcess.ask(long, {
      signal: controller.signal,
      onStep: () => {
        seen++;
        if (seen === 2) controller.abort();
      },
    });
    await assert.rejects(asked, (error: unknown) => error instanceof ApiError && error.code === 'cancelled');
    assert.ok(seen < 64, `stopped after ${seen} of 64 steps`);
  });

  it('fails calls after it is stopped, as a stopped engine process does', async () => {
    const engine = new EngineClient(inProcessEngine(engineEnv(dir)));
    await engine.start();
    engine.dispose();
    await assert.rejects(engine.ask(request), (error: unknown) => error instanceof ApiError);
  });
});
