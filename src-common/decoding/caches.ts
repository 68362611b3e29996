/**
 * Fast-dLLM's key/value caches for masked diffusion (Wu et al., 2025), declared once, as the engine runs them:
 * - `none`   every step runs the whole sequence (prompt, audio, window), as LLaDA's reference does;
 * - `prefix` the first step of a block runs the whole sequence and keeps the keys/values of everything before the
 *            block; the block's other steps run only the block and what follows it;
 * - `dual`   as `prefix`, and the keys/values after the block are kept too: the other steps run only the block.
 * Cached keys/values are refreshed once per block (at its first step), so a cached step sees a prefix/suffix that
 * is at most one block old: exact for a step that changed nothing, an approximation otherwise (attention is
 * bidirectional, so the prefix's keys/values depend on the window too).
 */
export const CACHE_MODES = ['none', 'prefix', 'dual'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

/**
 * The default when neither the question nor the model's manifest names one: the fastest mode whose held-out
 * accuracy on the bundled model stayed within a point of `none` at gen 8 and gen 32 (docs/benchmarks.md). `dual`
 * is faster still but lost accuracy at gen 32 with the factor sampler.
 */
export const DEFAULT_CACHE: CacheMode = 'prefix';
