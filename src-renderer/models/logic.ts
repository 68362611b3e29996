import type { ResultOf } from '../../src-common/api/contract';
import type { PullProgressData } from '../../src-common/api/models';

/** Pure helpers of the model manager's UI (no stores, no DOM), so their rules read in one place. */
export type CatalogRow = ResultOf<'models.catalog'>[number];
export type HardwareInfo = ResultOf<'hardware.info'>;
export type ModelFit = NonNullable<CatalogRow['fit']>;
export type VerifyReport = ResultOf<'models.verify'>;

export type FitLevel = 'fits' | 'tight' | 'no';

/** Share of a memory pool above which a model is called "tight": it runs, but little else will fit beside it. */
const TIGHT_SHARE = 0.8;

/**
 * Three words a person can act on, from the main side's verdict (gpu / cpu / too-big) and the machine's memory:
 * "tight" when the model needs more RAM than is free now, or most of the memory it would run in.
 */
export function fitLevel(fit: ModelFit, hw: HardwareInfo | null): { level: FitLevel; label: string } {
  if (fit.verdict === 'too-big') return { level: 'no', label: 'Does not fit' };
  if (fit.verdict === 'gpu') {
    const biggest = Math.max(0, ...(hw?.gpus ?? []).map((g) => g.memoryBytes ?? 0));
    const tight = biggest > 0 && fit.needVramBytes > biggest * TIGHT_SHARE;
    return { level: tight ? 'tight' : 'fits', label: tight ? 'Tight on GPU' : 'Fits on GPU' };
  }
  const tight = hw !== null && (fit.needRamBytes > hw.ram.freeBytes || fit.needRamBytes > hw.ram.totalBytes * TIGHT_SHARE);
  return { level: tight ? 'tight' : 'fits', label: tight ? 'Tight (CPU)' : 'Fits (CPU)' };
}

/** States in which a download's job is alive on the main side (pause, resume and cancel apply). */
export const RUNNING_STATES: ReadonlySet<PullProgressData['state']> = new Set(['resolving', 'downloading', 'verifying', 'building', 'installing']);

export const isRunning = (progress: PullProgressData | undefined): boolean => progress !== undefined && RUNNING_STATES.has(progress.state);

/** Whole-percent progress of a download, 0 when its size is not known yet. */
export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.floor((done / total) * 100));
}

export const STATE_LABELS: Record<PullProgressData['state'], string> = {
  resolving: 'Asking the hub for the file list…',
  downloading: 'Downloading',
  verifying: 'Checking SHA-256',
  building: 'Building the bundle on this machine',
  installing: 'Installing',
  paused: 'Paused',
  installed: 'Installed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The answer that ran last, as the engine reported it: the provider used and the ones tried before it. */
export interface LastRun {
  provider: string;
  model: string;
  fallbacks: { provider: string; reason: string }[];
}

export function lastRun(
  exchanges: readonly {
    status: string;
    answer: { provider: string; model: { name: string }; providerAttempts: { provider: string; ok: boolean; reason?: string }[] } | null;
  }[],
): LastRun | null {
  for (let i = exchanges.length - 1; i >= 0; i--) {
    const answer = exchanges[i]?.answer;
    if (exchanges[i]?.status !== 'done' || !answer) continue;
    return {
      provider: answer.provider,
      model: answer.model.name,
      fallbacks: answer.providerAttempts.filter((a) => !a.ok).map((a) => ({ provider: a.provider, reason: a.reason ?? 'no reason given' })),
    };
  }
  return null;
}
