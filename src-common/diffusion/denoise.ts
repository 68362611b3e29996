import { isSamplerName, plansSteps, type SamplerName } from '../decoding/samplers';
import { SeededRandom } from './rng';
import { blockPlan, numTransferTokens } from './schedule';

/**
 * Masked-diffusion decoding of a generation window, with the reference semantics of each method
 * (names as in the papers):
 * - `low-confidence`, `random` — LLaDA's semi-autoregressive remasking: blocks left to right, steps/blocks steps each,
 *   `numTransferTokens` commits per step, chosen by confidence p(x0) or by a uniform score.
 * - `factor` — DIFFA-2's factor-based parallel decoding: rank the block's masked positions by confidence and commit
 *   rank n (1-based) while conf ≥ 1 − factor/(n+1), the top one always; a block loops until it has no mask; once EOS
 *   is committed with no mask before it in the block, the rest of the window is EOS and decoding stops.
 * - `threshold` — Fast-dLLM: commit every masked position of the block with conf ≥ τ, at least the top one.
 * Committed tokens are never re-masked. Each step makes one forward pass over the whole window.
 */
export type { SamplerName };

export interface DenoiseParams {
  sampler: SamplerName;
  genLength: number;
  blockLength: number;
  /** Total steps (LLaDA samplers); parallel samplers take as many as they need, at most genLength. */
  steps: number;
  temperature: number;
  cfgScale: number;
  seed: number;
  factor: number;
  threshold: number;
  maskId: number;
  eosId: number;
  /**
   * Starting window: committed tokens stay, mask ids are denoised. Used to re-denoise only a low-confidence span of
   * an earlier answer; absent, everything starts masked.
   */
  prefill?: readonly number[];
}

/** What the model predicts for every position of the window in one forward pass (top-k for display). */
export interface WindowPrediction {
  tokens: Int32Array;
  confidence: Float32Array;
  topkIds: Int32Array;
  topkProbs: Float32Array;
  topk: number;
}

export interface ForwardInput {
  /** The window: committed tokens and the mask id elsewhere. */
  window: Int32Array;
  temperature: number;
  cfgScale: number;
  /** Per-position U(0,1) for temperature sampling (inverse CDF); null at temperature 0. */
  uniform: Float32Array | null;
  /**
   * The block this step decodes, [from, to) in window positions. The sampler reads the prediction only for masked
   * positions inside it (and, at an early stop, commits EOS after it), which is what lets a cached forward pass
   * compute the block alone (Fast-dLLM's caches). Absent: any position may be read.
   */
  block?: { from: number; to: number };
}
export type Forward = (input: ForwardInput) => Promise<WindowPrediction>;

export interface CommittedToken {
  position: number;
  token: number;
  confidence: number;
  alternatives: { token: number; prob: number }[];
}

export interface StepEvent {
  /** 1-based forward-pass count. */
  step: number;
  block: number;
  committed: CommittedToken[];
  /** Masked positions left in the whole window after this step. */
  masked: number;
  /** Set on the step where EOS early stop filled the rest of the window. */
  earlyStop: boolean;
}

export interface DenoiseResult {
  tokens: Int32Array;
  forwardPasses: number;
  /** Step (1-based) at which each position was committed, or filled by the EOS early stop; 0 if it never was. */
  commitStep: Int32Array;
}

export class DenoiseCancelled extends Error {
  constructor() {
    super('Decoding was cancelled');
    this.name = 'DenoiseCancelled';
  }
}

export function validateParams(p: DenoiseParams): void {
  if (!isSamplerName(p.sampler)) throw new RangeError(`Unknown sampler "${p.sampler}"`);
  if (plansSteps(p.sampler)) blockPlan(p.genLength, p.blockLength, p.steps);
  else if (p.genLength % p.blockLength !== 0) throw new RangeError(`gen length ${p.genLength} is not a multiple of block length ${p.blockLength}`);
  if (!(p.temperature >= 0)) throw new RangeError('temperature must be ≥ 0');
  if (!(p.cfgScale >= 0)) throw new RangeError('cfg scale must be ≥ 0');
  if (p.sampler === 'threshold' && !(p.threshold > 0 && p.threshold <= 1)) throw new RangeError('threshold must be in (0, 1]');
  if (p.sampler === 'factor' && !(p.factor > 0)) throw new RangeError('factor must be > 0');
}

/** Largest float32 below 1: a uniform cast to float32 must never round up to 1. */
const BELOW_ONE = 1 - 2 ** -24;

export async function denoise(
  params: DenoiseParams,
  forward: Forward,
  onStep?: (event: StepEvent) => void,
  signal?: { readonly aborted: boolean },
): Promise<DenoiseResult> {
  validateParams(params);
  const { genLength, blockLength, maskId, sampler } = params;
  const window = new Int32Array(genLength).fill(maskId);
  if (params.prefill) {
    if (params.prefill.length !== genLength) throw new RangeError(`prefill has ${params.prefill.length} tokens, the window ${genLength}`);
    window.set(params.prefill);
  }
  const commitStep = new Int32Array(genLength);
  const random = new SeededRandom(params.seed);
  let forwardPasses = 0;

  const predict = async (block: { from: number; to: number }): Promise<WindowPrediction> => {
    if (signal?.aborted) throw new DenoiseCancelled();
    let uniform: Float32Array | null = null;
    if (params.temperature > 0) {
      uniform = new Float32Array(genLength);
      for (let i = 0; i < genLength; i++) uniform[i] = Math.min(random.next(), BELOW_ONE);
    }
    const prediction = await forward({ window: window.slice(), temperature: params.temperature, cfgScale: params.cfgScale, uniform, block });
    forwardPasses++;
    return prediction;
  };
  const maskedIn = (from: number, to: number) => {
    const positions: number[] = [];
    for (let i = from; i < to; i++) if (window[i] === maskId) positions.push(i);
    return positions;
  };
  const apply = (prediction: WindowPrediction, positions: number[], token?: number): CommittedToken[] =>
    positions.map((position) => {
      const chosen = token ?? prediction.tokens[position] ?? maskId;
      window[position] = chosen;
      commitStep[position] = forwardPasses;
      const alternatives = Array.from({ length: prediction.topk }, (_, j) => ({
        token: prediction.topkIds[position * prediction.topk + j] ?? -1,
        prob: prediction.topkProbs[position * prediction.topk + j] ?? 0,
      }));
      return { position, token: chosen, confidence: prediction.confidence[position] ?? 0, alternatives };
    });
  const emit = (committed: CommittedToken[], block: number, earlyStop = false) =>
    onStep?.({ step: forwardPasses, block, committed, masked: maskedIn(0, genLength).length, earlyStop });
  // Highest score first; ties go to the leftmost position so that runs are reproducible.
  const byScore = (scores: ArrayLike<number>) => (a: number, b: number) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b;

  const blocks = genLength / blockLength;
  if (plansSteps(sampler)) {
    const { stepsPerBlock } = blockPlan(genLength, blockLength, params.steps);
    for (let block = 0; block < blocks; block++) {
      const from = block * blockLength;
      const counts = numTransferTokens(maskedIn(from, from + blockLength).length, stepsPerBlock);
      for (const count of counts) {
        const prediction = await predict({ from, to: from + blockLength });
        const masked = maskedIn(from, from + blockLength);
        const scores = sampler === 'random' ? Float64Array.from(prediction.confidence, () => random.next()) : prediction.confidence;
        emit(apply(prediction, masked.sort(byScore(scores)).slice(0, count)), block);
      }
    }
    return { tokens: window, forwardPasses, commitStep };
  }

  for (let block = 0; block < blocks; block++) {
    const from = block * blockLength;
    const to = from + blockLength;
    for (let masked = maskedIn(from, to); masked.length > 0; masked = maskedIn(from, to)) {
      const prediction = await predict({ from, to });
      const ranked = masked.sort(byScore(prediction.confidence));
      const chosen = ranked.filter((position, index) => {
        const confidence = prediction.confidence[position] ?? 0;
        if (index === 0) return true;
        return sampler === 'factor' ? confidence >= 1 - params.factor / (index + 2) : confidence >= params.threshold;
      });
      // The factor rule stops at the first rank that fails: later ranks have lower confidence and a higher bar.
      const accepted = sampler === 'factor' ? ranked.slice(0, firstGap(ranked, chosen)) : chosen;
      const committed = apply(prediction, accepted);
      const eosAt = sampler === 'factor' ? earlyStopAt(window, from, to, params) : -1;
      if (eosAt >= 0) {
        // DIFFA-2's early stop: everything after the first EOS becomes EOS, and decoding ends here.
        const rest = Array.from({ length: genLength - eosAt - 1 }, (_, i) => eosAt + 1 + i).filter((i) => window[i] !== params.eosId);
        const overwritten = new Set(rest);
        emit([...committed.filter((c) => !overwritten.has(c.position)), ...apply(prediction, rest, params.eosId)], block, true);
        return { tokens: window, forwardPasses, commitStep };
      }
      emit(committed, block);
    }
  }
  return { tokens: window, forwardPasses, commitStep };
}

function firstGap(ranked: number[], chosen: number[]): number {
  let n = 0;
  while (n < ranked.length && ranked[n] === chosen[n]) n++;
  return n;
}

/** DIFFA-2's early-stop test: the block's first EOS, if nothing before it in the block is still masked; else −1. */
function earlyStopAt(window: Int32Array, from: number, to: number, params: DenoiseParams): number {
  for (let i = from; i < to; i++) {
    if (window[i] === params.maskId) return -1;
    if (window[i] === params.eosId) return i;
  }
  return -1;
}
