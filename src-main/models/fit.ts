import { PROVIDER_NAMES, PROVIDERS } from '../../src-common/decoding/providers';
import type { CatalogEntry } from './catalog';
import type { HardwareInfo } from './hardware';
import { formatBytes } from './progress';

export interface ModelFit {
  /** Where it would run: on a GPU, on the CPU only, or not at all. */
  verdict: 'gpu' | 'cpu' | 'too-big';
  needRamBytes: number;
  needVramBytes: number;
  reason: string;
}

const GPU_PROVIDERS = new Set<string>(PROVIDER_NAMES.filter((name) => PROVIDERS[name].gpu));

/**
 * Memory needed when the catalog does not say: weights plus ~30 % for activations and the runtime's arenas, plus a
 * fixed allowance for the runtime itself. Catalog figures (measured) always win over this rule of thumb.
 */
export function memoryNeeds(entry: Pick<CatalogEntry, 'sizeBytes' | 'memory'>): { ram: number; vram: number } {
  return {
    ram: entry.memory?.ramBytes ?? Math.round(entry.sizeBytes * 1.3 + 300e6),
    vram: entry.memory?.vramBytes ?? Math.round(entry.sizeBytes * 1.2 + 500e6),
  };
}

/** Whether a model fits this machine, and on what. Total RAM decides CPU fit; free RAM only adds a warning. */
export function estimateFit(entry: Pick<CatalogEntry, 'sizeBytes' | 'memory'>, hw: HardwareInfo): ModelFit {
  const { ram, vram } = memoryNeeds(entry);
  const gpuUsable = hw.providers.some((p) => p.usable && GPU_PROVIDERS.has(p.name) && p.name !== 'coreml');
  const biggest = Math.max(0, ...hw.gpus.map((g) => g.memoryBytes ?? 0));
  const needs = { needRamBytes: ram, needVramBytes: vram };
  if (gpuUsable && biggest >= vram) {
    const gpu = hw.gpus.find((g) => (g.memoryBytes ?? 0) === biggest);
    return { verdict: 'gpu', ...needs, reason: `fits on ${gpu?.name} (${formatBytes(vram)} of ${formatBytes(biggest)})` };
  }
  const gpuNote = !gpuUsable
    ? 'no usable GPU provider'
    : biggest === 0
      ? 'GPU memory unknown'
      : `needs ${formatBytes(vram)} of GPU memory, ${formatBytes(biggest)} found`;
  if (hw.ram.totalBytes >= ram) {
    const tight = hw.ram.freeBytes < ram ? `; only ${formatBytes(hw.ram.freeBytes)} free now, close other apps` : '';
    return { verdict: 'cpu', ...needs, reason: `CPU only (${gpuNote}); needs ${formatBytes(ram)} of ${formatBytes(hw.ram.totalBytes)} RAM${tight}` };
  }
  return { verdict: 'too-big', ...needs, reason: `needs ${formatBytes(ram)} RAM, this machine has ${formatBytes(hw.ram.totalBytes)} (${gpuNote})` };
}
