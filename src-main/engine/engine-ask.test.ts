import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StepEventView } from '../../src-common/api/inference';
import { bundledModelsDir } from '../core/resources';
import { tempDir } from '../test-support/temp-dir';
import { writeSineWav } from '../test-support/wav';
import { EngineClient } from './engine-client';
import { engineEnv, forkEngine } from './fork-engine';

/** These tests run the bundled DIFFA-Tiny through the real engine process; they check mechanics, not answers. */
const modelDir = join(bundledModelsDir(), 'diffa-tiny');
const dir = tempDir();
const tone = writeSineWav(join(dir, 'tone.wav'), 1.5, 440, 44100);
const question = 'What kind of sound is this?';

describe('engine: asking the bundled model', () => {
  const engine = new EngineClient(forkEngine(engineEnv(dir)));
  before(() => engine.start());
  after(() => engine.dispose());

  it('answers with one step event per forward pass, provenance and timings', async () => {
    const events: StepEventView[] = [];
    const answer = await engine.ask(
      { modelDir, audioPath: tone, question, decoding: { sampler: 'low-confidence', steps: 8, genLength: 8, blockLength: 8 } },
      { onStep: (step) => events.push(step) },
    );
    assert.equal(answer.forwardPasses, 8);
    assert.equal(events.length, 8);
    assert.deepEqual(
      events.map((e) => e.committed.length),
      Array(8).fill(1),
      'steps == gen length commits one token per step',
    );
    assert.deepEqual(
      events.map((e) => e.masked),
      [7, 6, 5, 4, 3, 2, 1, 0],
    );
    assert.equal(answer.tokens.length, 8);
    assert.deepEqual(
      [...new Set(events.flatMap((e) => e.committed.map((c) => c.position)))].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    for (const c of events.flatMap((e) => e.committed)) {
      assert.ok(c.confidence > 0 && c.confidence <= 1);
      assert.equal(c.alternatives.length, 5);
      assert.equal(c.alternatives[0]?.token, c.token, 'at temperature 0 the committed token is the top-1 alternative');
    }
    assert.equal(answer.provider, 'cpu');
    assert.equal(answer.model.id, 'diffa-tiny');
    assert.match(answer.model.manifestSha256, /^[0-9a-f]{64}$/);
    assert.equal(answer.timings.stepsMs.length, 8);
    assert.ok(answer.timings.totalMs >= answer.timings.audioGraphMs);
    assert.ok(Math.abs(answer.region.end - 1.5) < 1e-3);
    assert.match(answer.prompt, /This is the audio: /);
  });

  it('decodes only the heard part of a region longer than the model hears, where the request puts it', async () => {
    // 4 s of silence, then a tone: what the model hears depends on which part it is given.
    const rate = 16000;
    const tail = readFileSync(writeSineWav(join(dir, 'tail.wav'), 16, 440, rate)).subarray(44);
    const data = Buffer.concat([Buffer.alloc(4 * rate * 2), tail]);
    const file = join(dir, 'late-tone.wav');
    writeFileSync(file, Buffer.concat([readFileSync(tone).subarray(0, 44), data]));
    const header = readFileSync(file);
    header.writeUInt32LE(36 + data.length, 4);
    header.writeUInt32LE(rate, 24);
    header.writeUInt32LE(rate * 2, 28);
    header.writeUInt32LE(data.length, 40);
    writeFileSync(file, header);
    const fast = { sampler: 'low-confidence', steps: 8, genLength: 8, blockLength: 8 } as const;
    const whole = await engine.ask({ modelDir, audioPath: file, question, decoding: fast });
    const chunk = whole.heardSeconds;
    assert.ok(chunk < 20 && whole.truncated, 'the 20 s file is longer than the model hears');
    assert.deepEqual(whole.region, { start: 0, end: 20 }, "the whole file's end comes from its header");
    assert.deepEqual(whole.heard, { start: 0, end: chunk });
    const later = await engine.ask({ modelDir, audioPath: file, question, decoding: fast, heardStart: 10 });
    assert.deepEqual(later.heard, { start: 10, end: 10 + chunk });
    assert.notDeepEqual(later.tokens, whole.tokens, 'silence then a tone and all tone are heard differently');
    // A heard start past what fits is kept inside the region.
    const clamped = await engine.ask({ modelDir, audioPath: file, start: 2, end: 12, question, decoding: fast, heardStart: 11 });
    assert.deepEqual(clamped.heard, { start: 12 - chunk, end: 12 });
    assert.deepEqual(clamped.region, { start: 2, end: 12 });
  });

  it('is deterministic at temperature 0 and reproducible by seed when sampling', async () => {
    const ask = (decoding: object) => engine.ask({ modelDir, audioPath: tone, question, decoding });
    const [a, b] = [await ask({}), await ask({})];
    assert.deepEqual(a.tokens, b.tokens);
    const hot = { sampler: 'low-confidence', steps: 8, temperature: 1.5, seed: 42 } as const;
    const [c, d] = [await ask(hot), await ask(hot)];
    assert.deepEqual(c.tokens, d.tokens);
  });

  it('queues questions and cancels one within a step', async () => {
    const long = { sampler: 'low-confidence', steps: 64, genLength: 64, blockLength: 64 } as const;
    const cancel = new AbortController();
    const first = engine.ask(
      { modelDir, audioPath: tone, question, decoding: long },
      {
        signal: cancel.signal,
        onStep: (step) => {
          cancel.abort();
          assert.ok(step.step <= 3, `cancel takes effect within a step or two (step ${step.step})`);
        },
      },
    );
    const second = engine.ask({ modelDir, audioPath: tone, question });
    await assert.rejects(first, (error: { code?: string }) => error.code === 'cancelled');
    assert.equal((await second).forwardPasses > 0, true);
  });

  it('cancels a queued question before it starts, and refuses one whose signal is already aborted', async () => {
    const long = { sampler: 'low-confidence', steps: 32, genLength: 32, blockLength: 32 } as const;
    const cancel = new AbortController();
    let queuedSteps = 0;
    const running = engine.ask({ modelDir, audioPath: tone, question, decoding: long }, { onStep: () => cancel.abort() });
    const queued = engine.ask({ modelDir, audioPath: tone, question }, { signal: cancel.signal, onStep: () => queuedSteps++ });
    await assert.rejects(queued, (error: { code?: string }) => error.code === 'cancelled');
    assert.equal(queuedSteps, 0, 'a question cancelled in the queue never takes a step');
    assert.ok((await running).forwardPasses > 0, 'the question before it is not affected');
    await assert.rejects(engine.ask({ modelDir, audioPath: tone, question }, { signal: AbortSignal.abort() }), /before it started/);
  });

  it('names the file and the problem for audio it cannot read', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not audio');
    await assert.rejects(engine.ask({ modelDir, audioPath: text, question }), /notes\.txt/);
    const truncated = join(dir, 'cut.wav');
    writeFileSync(truncated, readFileSync(tone).subarray(0, 30));
    await assert.rejects(engine.ask({ modelDir, audioPath: truncated, question }), /cut\.wav/);
  });

  it('refuses a corrupt or incomplete bundle, naming the bad file', async () => {
    const copy = join(dir, 'broken-model');
    cpSync(modelDir, copy, { recursive: true });
    const llm = join(copy, 'llm.onnx');
    const bytes = readFileSync(llm);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    writeFileSync(llm, bytes);
    await assert.rejects(engine.load(copy), /llm\.onnx is corrupt/);
    rmSync(join(copy, 'tokenizer.json'));
    await assert.rejects(engine.load(copy), /tokenizer\.json is missing/);
    // The engine still answers with a good model afterwards.
    assert.ok((await engine.ask({ modelDir, audioPath: tone, question })).forwardPasses > 0);
  });

  it('reports a crash mid-answer as engine_crashed and answers again after the restart', async () => {
    const long = { sampler: 'low-confidence', steps: 64, genLength: 64, blockLength: 64 } as const;
    let killed = false;
    const call = engine.ask(
      { modelDir, audioPath: tone, question, decoding: long },
      {
        onStep: () => {
          if (!killed) {
            killed = true;
            process.kill(engine.status().pid ?? 0, 'SIGKILL');
          }
        },
      },
    );
    await assert.rejects(call, (error: { code?: string }) => error.code === 'engine_crashed');
    const again = await engine.ask({ modelDir, audioPath: tone, question });
    assert.ok(again.forwardPasses > 0);
  });
});
