/**
 * The samplers, declared once. The engine's denoiser, the API's schemas, the manifest's schema, the CLI's flags and
 * the chat's decoding form all read this table; adding a sampler starts here (CONTRIBUTING.md).
 */
export const SAMPLER_NAMES = ['low-confidence', 'random', 'factor', 'threshold'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface SamplerInfo {
  /**
   * `llada`: LLaDA's semi-autoregressive remasking — a fixed number of steps, planned in advance per block.
   * `parallel`: commits as many tokens per step as its rule allows, so the number of steps is known only afterwards.
   */
  family: 'llada' | 'parallel';
  /** The one setting beside the shared ones (gen/block length, temperature, cfg, seed) that this sampler reads. */
  reads: 'steps' | 'factor' | 'threshold';
  /** How the CLI's help and the decoding form name it. */
  label: string;
}

export const SAMPLERS: { readonly [S in SamplerName]: SamplerInfo } = {
  'low-confidence': { family: 'llada', reads: 'steps', label: 'low-confidence' },
  random: { family: 'llada', reads: 'steps', label: 'random' },
  factor: { family: 'parallel', reads: 'factor', label: 'factor (parallel)' },
  threshold: { family: 'parallel', reads: 'threshold', label: 'threshold (parallel)' },
};

export function isSamplerName(name: string): name is SamplerName {
  return (SAMPLER_NAMES as readonly string[]).includes(name);
}

/** LLaDA family: the steps are a setting, planned per block (and so known before the answer starts). */
export function plansSteps(sampler: SamplerName): boolean {
  return SAMPLERS[sampler].family === 'llada';
}
