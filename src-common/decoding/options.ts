import { CACHE_MODES } from './caches';
import type { FullDecoding } from './defaults';
import { PROVIDER_PREFERENCES } from './providers';
import { SAMPLER_NAMES, SAMPLERS, type SamplerName } from './samplers';

/** How one decoding setting is entered: its CLI flag and help, and its input's kind and range in the chat's form. */
export interface DecodingField {
  /** The CLI flag without its dashes, named as in the papers. */
  flag: string;
  /** The value's placeholder in `--help` (`--steps N`). */
  metavar: string;
  /** One line for `--help`. */
  help: string;
  /** How the form labels it. */
  label: string;
  kind: 'integer' | 'number' | 'choice';
  /** The choices of a `choice` field, and how the form names each. */
  choices?: readonly string[];
  choiceLabel?: (choice: string) => string;
  min?: number;
  max?: number;
  /** Shown only with these samplers (the setting is read by them alone). */
  only?: (sampler: SamplerName) => boolean;
  /** False: a CLI flag only, not in the chat's form. */
  inForm?: boolean;
}

/**
 * Every per-question decoding setting, once. The mapped type makes a setting added to `DecodingSettingsSchema`
 * without its entry here a compile error, so the CLI's flags and the chat's form cannot fall behind the API.
 */
export const DECODING_FIELDS: { readonly [K in keyof FullDecoding]-?: DecodingField } = {
  sampler: {
    flag: 'sampler',
    metavar: 'S',
    label: 'Sampler',
    kind: 'choice',
    choices: SAMPLER_NAMES,
    choiceLabel: (name) => SAMPLERS[name as SamplerName]?.label ?? name,
    help: `${SAMPLER_NAMES.join(' | ')} (default: the model's)`,
  },
  steps: {
    flag: 'steps',
    metavar: 'N',
    label: 'Steps',
    kind: 'integer',
    min: 1,
    max: 4096,
    help: 'diffusion steps (LLaDA samplers)',
    only: (s) => SAMPLERS[s].reads === 'steps',
  },
  genLength: { flag: 'gen-length', metavar: 'N', label: 'Gen length', kind: 'integer', min: 1, max: 4096, help: 'answer window in tokens' },
  blockLength: { flag: 'block-length', metavar: 'N', label: 'Block length', kind: 'integer', min: 1, max: 4096, help: 'semi-autoregressive block length' },
  temperature: {
    flag: 'temperature',
    metavar: 'T',
    label: 'Temperature',
    kind: 'number',
    min: 0,
    max: 10,
    help: '0 = argmax; > 0 samples (float64 Gumbel-equivalent inverse CDF)',
  },
  cfgScale: {
    flag: 'cfg-scale',
    metavar: 'S',
    label: 'CFG scale',
    kind: 'number',
    min: 0,
    max: 20,
    help: 'classifier-free guidance scale (0 = off)',
    inForm: false,
  },
  seed: { flag: 'seed', metavar: 'N', label: 'Seed', kind: 'integer', min: 0, max: 2 ** 32 - 1, help: 'makes sampled runs reproducible' },
  factor: {
    flag: 'factor',
    metavar: 'F',
    label: 'Factor',
    kind: 'number',
    min: 0.01,
    max: 100,
    help: 'DIFFA-2 factor rule (factor sampler)',
    only: (s) => SAMPLERS[s].reads === 'factor',
  },
  threshold: {
    flag: 'threshold',
    metavar: 'T',
    label: 'Threshold',
    kind: 'number',
    min: 0.01,
    max: 1,
    help: 'Fast-dLLM confidence threshold (threshold sampler)',
    only: (s) => SAMPLERS[s].reads === 'threshold',
  },
  cache: {
    flag: 'cache',
    metavar: 'C',
    label: 'Cache',
    kind: 'choice',
    choices: CACHE_MODES,
    help: `${CACHE_MODES.join(' | ')}: Fast-dLLM key/value cache (default: the model's, else prefix)`,
  },
};

export const DECODING_KEYS = Object.keys(DECODING_FIELDS) as (keyof FullDecoding)[];

/** Only what the sampler reads: factor and threshold go with their samplers, steps only with the LLaDA ones. */
export function relevantDecoding(d: FullDecoding): Partial<FullDecoding> {
  const kept = DECODING_KEYS.filter((key) => DECODING_FIELDS[key].only?.(d.sampler) ?? true);
  return Object.fromEntries(kept.map((key) => [key, d[key]])) as Partial<FullDecoding>;
}

/** The CLI's `--provider` help, from the same list the settings use. */
export const PROVIDER_HELP = PROVIDER_PREFERENCES.join(' | ');
