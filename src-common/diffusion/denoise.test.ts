import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DenoiseCancelled, type DenoiseParams, denoise, type Forward, type ForwardInput, type StepEvent } from './denoise';
import { blockPlan, numTransferTokens } from './schedule';

const MASK = 99;
const EOS = 98;

/** A stand-in model with a fixed belief per position, recording what it was asked. */
function fixedModel(tokens: number[], confidence: number[]) {
  const calls: ForwardInput[] = [];
  const forward: Forward = async (input) => {
    calls.push(input);
    return {
      tokens: Int32Array.from(tokens),
      confidence: Float32Array.from(confidence),
      topkIds: Int32Array.from(tokens.flatMap((t) => [t, t + 1])),
      topkProbs: Float32Array.from(confidence.flatMap((c) => [c, (1 - c) / 2])),
      topk: 2,
    };
  };
  return { forward, calls };
}

const params = (overrides: Partial<DenoiseParams>): DenoiseParams => ({
  sampler: 'low-confidence',
  genLength: 4,
  blockLength: 4,
  steps: 4,
  temperature: 0,
  cfgScale: 0,
  seed: 0,
  factor: 1,
  threshold: 0.9,
  maskId: MASK,
  eosId: EOS,
  ...overrides,
});

const order = (events: StepEvent[]) => events.map((e) => e.committed.map((c) => c.position));

describe('LLaDA schedule', () => {
  it('spreads m masked tokens over s steps, the first m mod s steps taking one more', () => {
    assert.deepEqual(numTransferTokens(10, 4), [3, 3, 2, 2]);
    assert.deepEqual(numTransferTokens(7, 3), [3, 2, 2]);
    assert.deepEqual(numTransferTokens(2, 4), [1, 1, 0, 0]);
    assert.deepEqual(numTransferTokens(128, 128), Array(128).fill(1));
  });

  it('checks the shape rules', () => {
    assert.deepEqual(blockPlan(128, 32, 64), { blocks: 4, stepsPerBlock: 16 });
    assert.throws(() => blockPlan(100, 32, 64), /not a multiple of block length/);
    assert.throws(() => blockPlan(128, 32, 30), /not a multiple of the number of blocks/);
  });
});

describe('low-confidence remasking', () => {
  it('commits the most confident masked positions first', async () => {
    const model = fixedModel([10, 11, 12, 13], [0.1, 0.9, 0.5, 0.7]);
    const events: StepEvent[] = [];
    const result = await denoise(params({ steps: 2 }), model.forward, (e) => events.push(e));
    assert.deepEqual(order(events), [
      [1, 3],
      [2, 0],
    ]);
    assert.deepEqual([...result.tokens], [10, 11, 12, 13]);
    assert.equal(result.forwardPasses, 2);
    assert.deepEqual([...result.commitStep], [2, 1, 2, 1]);
    assert.deepEqual(events[0]?.committed[0]?.alternatives, [
      { token: 11, prob: Math.fround(0.9) },
      { token: 12, prob: Math.fround(0.05) },
    ]);
    assert.deepEqual(
      events.map((e) => e.masked),
      [2, 0],
    );
  });

  it('decodes blocks left to right (semi-autoregressive), never committing beyond the current block', async () => {
    const model = fixedModel([10, 11, 12, 13], [0.1, 0.9, 0.95, 0.2]);
    const events: StepEvent[] = [];
    await denoise(params({ blockLength: 2, steps: 4 }), model.forward, (e) => events.push(e));
    assert.deepEqual(order(events), [[1], [0], [2], [3]]);
    assert.deepEqual(
      events.map((e) => e.block),
      [0, 0, 1, 1],
    );
    // Each step sees the window as it stands: masks where nothing is committed yet.
    assert.deepEqual([...(model.calls[1]?.window ?? [])], [MASK, 11, MASK, MASK]);
  });

  it('makes a forward pass for every scheduled step, even one that commits nothing', async () => {
    const model = fixedModel([10, 11], [0.5, 0.6]);
    const result = await denoise(params({ genLength: 2, blockLength: 2, steps: 4 }), model.forward);
    assert.equal(result.forwardPasses, 4);
  });
});

describe('random remasking', () => {
  it('is reproducible by seed and ignores confidence', async () => {
    const run = async (seed: number) => {
      const events: StepEvent[] = [];
      await denoise(
        params({ sampler: 'random', genLength: 8, blockLength: 8, steps: 8, seed }),
        fixedModel([...Array(8).keys()], Array(8).fill(0.5)).forward,
        (e) => events.push(e),
      );
      return order(events).flat();
    };
    const a = await run(7);
    assert.deepEqual(await run(7), a);
    assert.deepEqual([...a].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    const others = await Promise.all([1, 2, 3, 4].map(run));
    assert.ok(
      others.some((o) => o.join() !== a.join()),
      'another seed gives another order',
    );
  });
});

describe('temperature', () => {
  it('passes seeded per-position uniforms only when T > 0', async () => {
    const cold = fixedModel([1, 2, 3, 4], [0.5, 0.6, 0.7, 0.8]);
    await denoise(params({}), cold.forward);
    assert.ok(cold.calls.every((c) => c.uniform === null));
    const hot = fixedModel([1, 2, 3, 4], [0.5, 0.6, 0.7, 0.8]);
    const again = fixedModel([1, 2, 3, 4], [0.5, 0.6, 0.7, 0.8]);
    await denoise(params({ temperature: 0.7, seed: 3 }), hot.forward);
    await denoise(params({ temperature: 0.7, seed: 3 }), again.forward);
    assert.equal(hot.calls[0]?.temperature, 0.7);
    assert.equal(hot.calls[0]?.uniform?.length, 4);
    assert.ok(hot.calls.every((c) => c.uniform?.every((u) => u >= 0 && u < 1)));
    assert.deepEqual(
      hot.calls.map((c) => [...(c.uniform ?? [])]),
      again.calls.map((c) => [...(c.uniform ?? [])]),
    );
  });
});

describe("DIFFA-2's factor-based parallel decoding", () => {
  it('commits rank n while confidence ≥ 1 − f/(n+1), the top one always', async () => {
    // ranks: 0.99 (always), 0.8 ≥ 1−1/3, 0.7 < 1−1/4 → stop; then 0.7 (top), 0.3 < 1−1/3; then 0.3.
    const model = fixedModel([10, 11, 12, 13], [0.99, 0.8, 0.7, 0.3]);
    const events: StepEvent[] = [];
    const result = await denoise(params({ sampler: 'factor' }), model.forward, (e) => events.push(e));
    assert.deepEqual(order(events), [[0, 1], [2], [3]]);
    assert.equal(result.forwardPasses, 3);
  });

  it('a larger factor commits more per step', async () => {
    const model = fixedModel([10, 11, 12, 13], [0.99, 0.8, 0.7, 0.3]);
    const events: StepEvent[] = [];
    await denoise(params({ sampler: 'factor', factor: 3 }), model.forward, (e) => events.push(e));
    // f = 3: bars are 1−3/3 = 0, 1−3/4, 1−3/5 … → 0.8 ≥ 0, 0.7 ≥ 0.25, 0.3 < 0.4
    assert.deepEqual(order(events), [[0, 1, 2], [3]]);
  });

  it('stops early once EOS is committed with no mask before it, filling the rest with EOS', async () => {
    const model = fixedModel([5, EOS, 7, 8, 9, 9, 9, 9], [0.9, 0.95, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    const events: StepEvent[] = [];
    const result = await denoise(params({ sampler: 'factor', genLength: 8, blockLength: 4 }), model.forward, (e) => events.push(e));
    assert.equal(result.forwardPasses, 1);
    assert.deepEqual([...result.tokens], [5, EOS, EOS, EOS, EOS, EOS, EOS, EOS]);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.earlyStop, true);
    assert.equal(events[0]?.masked, 0);
  });

  it('does not stop while a mask precedes the EOS', async () => {
    const model = fixedModel([5, EOS, 7, 8], [0.1, 0.95, 0.2, 0.2]);
    const result = await denoise(params({ sampler: 'factor' }), model.forward);
    assert.ok(result.forwardPasses >= 2);
  });
});

describe('Fast-dLLM threshold decoding', () => {
  it('commits every masked position above τ, at least one', async () => {
    const model = fixedModel([10, 11, 12, 13], [0.95, 0.5, 0.92, 0.1]);
    const events: StepEvent[] = [];
    await denoise(params({ sampler: 'threshold', threshold: 0.9 }), model.forward, (e) => events.push(e));
    assert.deepEqual(order(events), [[0, 2], [1], [3]]);
  });
});

describe('prefill (re-denoising a span)', () => {
  it('keeps the given tokens and denoises only the masked positions', async () => {
    const model = fixedModel([10, 11, 12, 13], [0.9, 0.8, 0.7, 0.6]);
    const events: StepEvent[] = [];
    const result = await denoise(params({ steps: 2, prefill: [5, MASK, 6, MASK] }), model.forward, (e) => events.push(e));
    assert.deepEqual([...result.tokens], [5, 11, 6, 13]);
    assert.deepEqual(order(events), [[1], [3]]);
    await assert.rejects(denoise(params({ prefill: [1, 2] }), model.forward), /prefill has 2 tokens/);
  });
});

describe('control', () => {
  it('cancels between steps', async () => {
    const signal = { aborted: false };
    const model = fixedModel([10, 11, 12, 13], [0.1, 0.2, 0.3, 0.4]);
    await assert.rejects(
      denoise(
        params({}),
        model.forward,
        () => {
          signal.aborted = true;
        },
        signal,
      ),
      DenoiseCancelled,
    );
    assert.equal(model.calls.length, 1);
  });

  it('refuses parameters that break the reference rules', async () => {
    const model = fixedModel([1], [1]);
    await assert.rejects(denoise(params({ genLength: 6, blockLength: 4 }), model.forward), /multiple of block length/);
    await assert.rejects(denoise(params({ sampler: 'threshold', threshold: 0 }), model.forward), /threshold/);
    await assert.rejects(denoise(params({ sampler: 'nope' as 'factor' }), model.forward), /Unknown sampler/);
  });
});
