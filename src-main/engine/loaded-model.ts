import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { CacheMode } from '../../src-common/decoding/caches';
import type { Forward } from '../../src-common/diffusion/denoise';
import { LogMelExtractor } from '../../src-common/dsp/log-mel';
import { type Bundle, loadBundle, verifyBundle } from '../models/bundle';
import { AudioEmbeddingCache } from './audio-cache';
import { DeviceCacheSlicer } from './device-cache';
import { type CacheSupport, cacheSupport, LlmForward, type LlmRunner } from './llm-forward';
import { PromptBuilder } from './prompt';
import { DEVICE_MEMORY_PROVIDERS, type ProviderAttempt, type ProviderName, providerOrder, sessionOptions, withFallback } from './providers';

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
    cacheInDeviceMemory: boolean,
  ) {
    this.llm = {
      inputNames: llmSession.inputNames,
      outputNames: llmSession.outputNames,
      run: (feeds, fetches) => (fetches ? llmSession.run(feeds, fetches) : llmSession.run(feeds)) as Promise<Record<string, ort.Tensor>>,
    };
    const declared = bundle.manifest.graphs.llm.inputs;
    this.cacheSupport = cacheSupport(this.llm, (name) => {
      const meta = llmSession.inputMetadata.find((m) => m.name === name);
      return meta?.isTensor && meta.shape.length > 0 ? meta.shape : declared[name]?.shape;
    });
    this.deviceSlicer = cacheInDeviceMemory && 'layers' in this.cacheSupport ? new DeviceCacheSlicer(this.cacheSupport.layers, provider) : null;
  }

  /** Cuts the key/value cache where it lives when that is device memory (CUDA); null on the CPU. */
  readonly deviceSlicer: DeviceCacheSlicer | null;

  /** The LLM session as the forward passes use it; a test may swap it for a wrapper that damages its outputs. */
  llm: LlmRunner;
  /** Whether llm.onnx has the key/value cache (tools/diffa/graphs_kv.py), or why not. */
  cacheSupport: CacheSupport;

  static async load(dir: string, options: { provider?: ProviderName | 'auto'; verifyCache: string }): Promise<LoadedModel> {
    const bundle = loadBundle(dir);
    await verifyBundle(bundle, options.verifyCache);
    const { manifest } = bundle;
    const order = !options.provider || options.provider === 'auto' ? providerOrder() : [options.provider];
    const choice = await withFallback(order, async (provider) => {
      const audio = await ort.InferenceSession.create(join(dir, manifest.graphs.audio.file), sessionOptions(provider));
      try {
        // On a provider with device memory the key/value outputs stay there between steps (IO binding).
        const presentOutputs = DEVICE_MEMORY_PROVIDERS.has(provider)
          ? Object.keys(manifest.graphs.llm.outputs).filter((name) => name.startsWith('present.'))
          : [];
        const llmFile = join(dir, manifest.graphs.llm.file);
        if (presentOutputs.length > 0) {
          // A runtime that refuses device outputs still runs the model on this provider, with the cache on the host.
          const llm = await ort.InferenceSession.create(llmFile, sessionOptions(provider, undefined, presentOutputs)).catch(() => null);
          if (llm) return { audio, llm, cacheInDeviceMemory: true };
        }
        const llm = await ort.InferenceSession.create(llmFile, sessionOptions(provider));
        return { audio, llm, cacheInDeviceMemory: false };
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
    const { audio, llm, cacheInDeviceMemory } = choice.value;
    return new LoadedModel(bundle, choice.provider, choice.attempts, audio, llm, prompt, mel, cacheInDeviceMemory);
  }

  get manifest() {
    return this.bundle.manifest;
  }

  /** The audio stage's results per region (bounded; see AUDIO_CACHE_BOUNDS), dropped with the model. */
  readonly audioCache = new AudioEmbeddingCache();

  async release(): Promise<void> {
    this.audioCache.clear();
    await Promise.all([this.audioSession.release(), this.llmSession.release(), this.deviceSlicer?.release()]);
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
   * The per-step forward passes of one answer: prompt ids + the current window, audio spliced at `audioOffset`,
   * with the key/value cache asked for when the graph has one (else `none`, and the report says why).
   */
  llmForward(promptIds: readonly number[], audio: EncodedAudio, audioOffset: number, cache: CacheMode = 'none'): LlmForward {
    return new LlmForward(this.llm, audio, audioOffset, promptIds, this.manifest.special_tokens.mask, cache, this.cacheSupport, this.deviceSlicer);
  }

  /** The sampler's forward pass without a cache (what the parity tests hold to the PyTorch reference). */
  forward(promptIds: readonly number[], audio: EncodedAudio, audioOffset: number): Forward {
    return this.llmForward(promptIds, audio, audioOffset, 'none').forward;
  }
}
