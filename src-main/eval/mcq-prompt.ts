import type { DecodingSettings } from '../../src-common/api/inference';
import type { McqFormat, McqItem } from './mcq-formats';

/**
 * The question DIFFA-2's benchmark scripts give the model (the model's chat template and "This is the audio: …" go
 * around it, as for any question). MMAU and MMAR go through `inference_mmau.py`: an instruction, the question, the
 * lettered choices and "Answer:". MMSU goes through `inference_mmsu.py`: its own instruction asking for a letter, the
 * question, the lettered choices, and no "Answer:". The texts must match theirs to the character to reproduce the
 * protocol.
 */
const MMAU_INSTRUCTION = 'You are given the audio and a multiple-choice question. Choose the best answer based only on the speech content and style.';
const MMSU_INSTRUCTION =
  'Choose the most suitable answer from options A, B, C, and D to respond the question in next line, **you should only choose A or B or C or D.** Do not provide any additional explanations or content.';

export const choiceLetter = (index: number) => String.fromCharCode(65 + index);

const letteredChoices = (choices: readonly string[]) => choices.map((choice, i) => `${choiceLetter(i)}. ${choice}`).join('\n');

export function mcqPrompt(format: McqFormat, item: Pick<McqItem, 'question' | 'choices'>): string {
  if (format === 'mmsu') return `${MMSU_INSTRUCTION}\n\nQuestion: ${item.question}\n\n${letteredChoices(item.choices)}`;
  return `${MMAU_INSTRUCTION}\n\nQuestion: ${item.question}\n\nChoices:\n${letteredChoices(item.choices)}\nAnswer:`;
}

/**
 * The decoding of DIFFA-2's run scripts for all three benchmarks: 16 steps, one block of 16, 16 new tokens, greedy,
 * no classifier-free guidance, no key/value cache (their generate has none). `accelerate` is their
 * `--accelerate fast_dllm`: the factor rule (factor 1) instead of LLaDA's low-confidence remasking. Flags the user
 * gives go on top.
 */
export function protocolDecoding(accelerate: boolean): DecodingSettings {
  const shared = { genLength: 16, blockLength: 16, temperature: 0, cfgScale: 0, cache: 'none' } as const;
  return accelerate ? { ...shared, sampler: 'factor', factor: 1 } : { ...shared, sampler: 'low-confidence', steps: 16 };
}
