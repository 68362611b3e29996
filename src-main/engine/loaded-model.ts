import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Forward, ForwardInput, WindowPrediction } from '../../src-common/diffusion/denoise';
import { LogMelExtractor } from '../../src-common/dsp/log-mel';
import { type Bundle, loadBundle, verifyBundle } from '../models/bundle';
import { PromptBuilder } from './prompt';
import { type ProviderAttempt, type ProviderName, providerOrder, sessionOptions, withFallback } from './providers';

export interface EncodedAudio {
  embeds: ort.Tensor;
  /** Number of audio embeddings (acoustic + semantic) spliced into the sequence. */
  count: number;
  melLength: number;
}

/**
 * A bundle ready to answer: verified files, both ONNX sessions on one execution provider, tokenizer and chat
 * template, and the audio front end configured from the manifest. Lives only in the engine process.
 */
export class LoadedModel {
  private constructor(
    readonly bundle: Bundle,
    readonly provider: ProviderName,
    readonly attempts: ProviderAttempt[],
    private readonly audioSession: ort.InferenceSession,
    private readonly llmSession: ort.InferenceSession,
    readonly prompt: PromptBuilder,
    readonly mel: LogMelExtractor,
  ) {}

  static async load(dir: string, options: { provider?: ProviderName | 'auto'; verifyCache: string }): Promise<LoadedModel> {
    const bundle = loadBundle(dir);
    await verifyBundle(bundle, options.verifyCache);
    const { manifest } = bundle;
    const order = !options.provider || options.provider === 'auto' ? providerOrder() : [options.provider];
    const choice = await withFallback(order, async (provider) => {
      const audio = await ort.InferenceSession.create(join(dir, manifest.graphs.audio.file), sessionOptions(provider));
      try {
        const llm = await ort.InferenceSession.create(join(dir, manifest.graphs.llm.file), sessionOptions(provider));
        return { audio, llm };
      } catch (error) {
        await audio.release();
        throw error;
      }
    });
    const tokenizerJson = JSON.parse(readFileSync(join(dir, manifest.tokenizer), 'utf8')) as object;
    const prompt = PromptBuilder.fromJson(manifest, tokenizerJson);
    const a = manifest.audio;
    const mel = new LogMelExtractor({
      sampleRate: a.sample_rate,
      nMels: a.n_mels,
      nFft: a.n_fft,
      hopLength: a.hop_length,
      chunkSamples: a.chunk_frames * a.hop_length,
    });
    return new LoadedModel(bundle, choice.provider, choice.attempts, choice.value.audio, choice.value.llm, prompt, mel);
  }

  /** Duration of the latest LLM session.run, to tell inference time from JavaScript overhead. */
  lastRunMs = 0;

  get manifest() {
    return this.bundle.manifest;
  }

  async release(): Promise<void> {
    await Promise.all([this.audioSession.release(), this.llmSession.release()]);
  }

  /** Log-mel features → the spliceable audio embeddings (encoder + both adapters in one graph). */
  async encodeAudio(features: Float32Array, melLength: number): Promise<EncodedAudio> {
    const { n_mels, chunk_frames } = this.manifest.audio;
    const outputs = await this.audioSession.run({
      input_features: new ort.Tensor('float32', features, [1, n_mels, chunk_frames]),
      mel_length: new ort.Tensor('int64', BigInt64Array.from([BigInt(melLength)]), [1]),
    });
    const embeds = outputs.audio_embeds;
    if (!embeds) throw new Error('The audio graph has no audio_embeds output');
    return { embeds, count: Number(embeds.dims[1]), melLength };
  }

  /**
   * The per-step forward pass for the sampler: prompt ids + the current window, audio spliced at `audioOffset`.
   * With CFG a second, unconditional row has its prompt masked (LLaDA's classifier-free guidance).
   */
  forward(promptIds: readonly number[], audio: EncodedAudio, audioOffset: number): Forward {
    const { mask } = this.manifest.special_tokens;
    const promptLength = promptIds.length;
    // The prompt rows never change between steps: convert them once, copy them in each step.
    const conditional = BigInt64Array.from(promptIds, BigInt);
    const unconditional = new BigInt64Array(promptLength).fill(BigInt(mask));
    return async ({ window, temperature, cfgScale, uniform }: ForwardInput): Promise<WindowPrediction> => {
      const genLength = window.length;
      const rows = cfgScale > 0 ? 2 : 1;
      const length = promptLength + genLength;
      const ids = new BigInt64Array(rows * length);
      for (let r = 0; r < rows; r++) {
        ids.set(r === 0 ? conditional : unconditional, r * length);
        for (let i = 0; i < genLength; i++) ids[r * length + promptLength + i] = BigInt(window[i] ?? mask);
      }
      const runStarted = performance.now();
      const outputs = await this.llmSession.run({
        input_ids: new ort.Tensor('int64', ids, [rows, length]),
        audio_embeds: audio.embeds,
        audio_offset: new ort.Tensor('int64', BigInt64Array.from([BigInt(audioOffset)]), [1]),
        gen_length: new ort.Tensor('int64', BigInt64Array.from([BigInt(genLength)]), [1]),
        cfg_scale: new ort.Tensor('float32', Float32Array.from([cfgScale]), [1]),
        temperature: new ort.Tensor('float32', Float32Array.from([temperature]), [1]),
        uniform: new ort.Tensor('float32', uniform ?? new Float32Array(genLength), [1, genLength]),
      });
      this.lastRunMs = performance.now() - runStarted;
      const { tokens, confidence, topk_ids: topkIds, topk_probs: topkProbs } = outputs;
      if (!tokens || !confidence || !topkIds || !topkProbs) throw new Error('The LLM graph is missing an output (tokens, confidence, topk_ids, topk_probs)');
      return {
        tokens: Int32Array.from(tokens.data as BigInt64Array, Number),
        confidence: confidence.data as Float32Array,
        topkIds: Int32Array.from(topkIds.data as BigInt64Array, Number),
        topkProbs: topkProbs.data as Float32Array,
        topk: Number(topkIds.dims[2] ?? 0),
      };
    };
  }
}
