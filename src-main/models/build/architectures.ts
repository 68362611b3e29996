import { ApiError } from '../../../src-common/api/errors';

/**
 * The architectures the builder turns released checkpoints into bundles for, and what differs between them beyond
 * the template (sizes, tap indices and decoding live in build-plan.json, written by tools/convert_diffa2.py --arch):
 * the LoRA (DIFFA-2 merges one into LLaDA; DIFFA v1 trains none, so LoRA tensors in its checkpoint mean the wrong
 * checkpoint) and how the manifest names the three sources. Facts and sources: docs/diffa2.md.
 */
export type ArchitectureId = 'diffa2' | 'diffa';

export interface BuildArchitecture {
  id: ArchitectureId;
  /** what the user calls it */
  label: string;
  /** whether the checkpoint may carry LoRA pairs to merge */
  lora: boolean;
  sources: {
    whisper: string;
    checkpoint: string;
    checkpointLicence: string;
  };
}

export const BUILD_ARCHITECTURES: Record<ArchitectureId, BuildArchitecture> = {
  diffa2: {
    id: 'diffa2',
    label: 'DIFFA-2',
    lora: true,
    sources: {
      whisper: 'Whisper-large-v3 encoder (openai/whisper-large-v3)',
      checkpoint: 'DIFFA-2 adapters + LoRA (zhoujiaming777/DIFFA-2)',
      checkpointLicence: 'not stated',
    },
  },
  diffa: {
    id: 'diffa',
    label: 'DIFFA (v1)',
    lora: false,
    sources: {
      whisper: 'Whisper-small encoder (openai/whisper-small)',
      checkpoint: 'DIFFA adapters (zhoujiaming777/DIFFA)',
      checkpointLicence: 'CC-BY-NC-SA-4.0',
    },
  },
};

export const ARCHITECTURE_IDS = Object.keys(BUILD_ARCHITECTURES) as ArchitectureId[];

export function buildArchitecture(id: string): BuildArchitecture {
  const arch = (BUILD_ARCHITECTURES as Record<string, BuildArchitecture | undefined>)[id];
  if (!arch) throw new ApiError('unsupported', `the builder does not know the architecture ${id} (it builds ${ARCHITECTURE_IDS.join(', ')})`);
  return arch;
}
