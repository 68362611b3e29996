import type { DecodingSettings } from '../../src-common/api/inference';
import { DecodingSettingsSchema, ProviderPreferenceSchema } from '../../src-common/api/inference';
import type { Command } from './command';
import { UsageError } from './command';

/** The decoding flags `ask`, `eval` and `batch` share, named as in the papers. */
export const DECODING_OPTIONS = {
  sampler: { type: 'string' },
  steps: { type: 'string' },
  'gen-length': { type: 'string' },
  'block-length': { type: 'string' },
  temperature: { type: 'string' },
  'cfg-scale': { type: 'string' },
  factor: { type: 'string' },
  threshold: { type: 'string' },
  seed: { type: 'string' },
  cache: { type: 'string' },
  provider: { type: 'string' },
} as const satisfies Command['options'];

export const DECODING_USAGE = `  --sampler S        low-confidence | random | factor | threshold (default: the model's)
  --steps N          diffusion steps (LLaDA samplers)
  --gen-length N     answer window in tokens
  --block-length N   semi-autoregressive block length
  --temperature T    0 = argmax; > 0 samples (float64 Gumbel-equivalent inverse CDF)
  --cfg-scale S      classifier-free guidance scale (0 = off)
  --factor F         DIFFA-2 factor rule (factor sampler)
  --threshold T      Fast-dLLM confidence threshold (threshold sampler)
  --seed N           makes sampled runs reproducible
  --cache C          none | prefix | dual: Fast-dLLM key/value cache (default: the model's, else prefix)
  --provider P       auto | cuda | tensorrt | dml | coreml | webgpu | cpu`;

const number = (values: Record<string, unknown>, flag: string): number | undefined => {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new UsageError(`--${flag} must be a number, not "${raw}"`);
  return value;
};

export function parseDecoding(values: Record<string, unknown>): {
  decoding: DecodingSettings;
  provider: 'auto' | 'cuda' | 'tensorrt' | 'dml' | 'coreml' | 'webgpu' | 'cpu';
} {
  const candidate = {
    sampler: values.sampler,
    steps: number(values, 'steps'),
    genLength: number(values, 'gen-length'),
    blockLength: number(values, 'block-length'),
    temperature: number(values, 'temperature'),
    cfgScale: number(values, 'cfg-scale'),
    factor: number(values, 'factor'),
    threshold: number(values, 'threshold'),
    seed: number(values, 'seed'),
    cache: values.cache,
  };
  const defined = Object.fromEntries(Object.entries(candidate).filter(([, v]) => v !== undefined));
  const decoding = DecodingSettingsSchema.safeParse(defined);
  if (!decoding.success) {
    const issue = decoding.error.issues[0];
    throw new UsageError(`Invalid ${String(issue?.path[0] ?? 'decoding option')}: ${issue?.message}`);
  }
  const provider = ProviderPreferenceSchema.safeParse(values.provider ?? 'auto');
  if (!provider.success) throw new UsageError(`--provider must be one of ${ProviderPreferenceSchema.options.join(', ')}`);
  return { decoding: decoding.data, provider: provider.data };
}
