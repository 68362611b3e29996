/**
 * Fast-dLLM's key/value caches for masked diffusion (Wu et al., 2025), as the engine runs them:
 * - `none`   every step runs the whole sequence (prompt, audio, window), as LLaDA's reference does;
 * - `prefix` the first step of a block runs the whole sequence and keeps the keys/values of everything before the
 *            block; the block's other steps run only the block and what follows it;
 * - `dual`   as `prefix`, and the keys/values after the block are kept too: the other steps run only the block.
 * Cached keys/values are refreshed once per block (at its first step), so a cached step sees a prefix/suffix that
 * is at most one block old: an approximation for the suffix (dual), exact for a prefix that no longer changes.
 */
export type CacheMode = 'none' | 'prefix' | 'dual';
export const CACHE_MODES: readonly CacheMode[] = ['none', 'prefix', 'dual'];

/**
 * The default when neither the question nor the model's manifest names one: the fastest mode whose held-out
 * accuracy on the bundled model stayed within a point of `none` (docs/benchmarks.md).
 */
export const DEFAULT_CACHE: CacheMode = 'prefix';
