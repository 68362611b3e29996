import type { DecodingSettings } from '../api/inference';
import { plansSteps } from './samplers';

/** Every decoding setting with a value: what an answer was decoded with. */
export type FullDecoding = Required<DecodingSettings>;

/** A model's decoding defaults (its manifest's, in the API's names): everything but the seed, which is 0 by default. */
export type DecodingDefaults = Omit<FullDecoding, 'seed'>;

/**
 * The defaults with a question's own settings on top — the one place the rules live, used by the engine and by the
 * chat to show what the next question will use. A changed gen length keeps the default block length when that still
 * divides it, else decodes in one block.
 */
export function resolveDecoding(defaults: DecodingDefaults, settings: Partial<FullDecoding>): FullDecoding {
  const defined = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as Partial<FullDecoding>;
  const genLength = defined.genLength ?? defaults.genLength;
  const blockLength = defined.blockLength ?? (defined.genLength === undefined || genLength % defaults.blockLength === 0 ? defaults.blockLength : genLength);
  return { ...defaults, seed: 0, ...defined, genLength, blockLength };
}

/** What is wrong with a set of decoding settings, in words (the engine would refuse it), or null. */
export function decodingProblem(d: FullDecoding): string | null {
  if (d.genLength % d.blockLength !== 0) return `The gen length (${d.genLength}) must be a multiple of the block length (${d.blockLength}).`;
  if (plansSteps(d.sampler)) {
    const blocks = d.genLength / d.blockLength;
    if (d.steps % blocks !== 0) return `The steps (${d.steps}) must be a multiple of the number of blocks (${blocks}).`;
  }
  return null;
}
