/**
 * LLaDA's `get_num_transfer_tokens`: how many of a block's m masked positions each of its s steps commits.
 * base = ⌊m / s⌋ each, and the first m mod s steps commit one more, so the counts add up to m.
 */
export function numTransferTokens(masked: number, steps: number): number[] {
  const base = Math.floor(masked / steps);
  const remainder = masked % steps;
  return Array.from({ length: steps }, (_, i) => base + (i < remainder ? 1 : 0));
}

/** Checks LLaDA's shape rules and returns the number of blocks and steps per block. */
export function blockPlan(genLength: number, blockLength: number, steps: number): { blocks: number; stepsPerBlock: number } {
  if (!(genLength > 0 && blockLength > 0 && steps > 0)) throw new RangeError('gen length, block length and steps must be positive');
  if (genLength % blockLength !== 0) throw new RangeError(`gen length ${genLength} is not a multiple of block length ${blockLength}`);
  const blocks = genLength / blockLength;
  if (steps % blocks !== 0) throw new RangeError(`steps ${steps} is not a multiple of the number of blocks ${blocks}`);
  return { blocks, stepsPerBlock: steps / blocks };
}
