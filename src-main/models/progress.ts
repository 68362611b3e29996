/** What a pull reports, a few times a second: enough for a progress bar with speed and time left. */
export interface PullProgress {
  id: string;
  name: string;
  state: 'resolving' | 'downloading' | 'verifying' | 'building' | 'installing' | 'paused' | 'installed' | 'failed' | 'cancelled';
  bytesDone: number;
  bytesTotal: number;
  /** Bytes per second over the last few seconds (0 until measured). */
  speedBps: number;
  /** Seconds left at that speed; null while unknown. */
  etaSeconds: number | null;
  filesDone: number;
  filesTotal: number;
  /** The files being transferred now, each with its own bytes, speed and time left. */
  active: FileProgress[];
  error?: { code: string; message: string };
  /**
   * A model built on this machine goes through steps (download the checkpoints, build the bundle); bytes, speed
   * and time left are the current step's. Absent for a plain download.
   */
  steps?: { name: 'download' | 'build'; label: string; state: 'pending' | 'running' | 'done' }[];
}

/** One file of a pull in flight (bytes on disk count as done, so a resumed file starts part-way). */
export interface FileProgress {
  path: string;
  bytesDone: number;
  bytesTotal: number;
  speedBps: number;
  etaSeconds: number | null;
}

/** Time left at `speedBps`: 0 when nothing is left, null while the speed is not measured yet. */
export const etaSeconds = (left: number, speedBps: number): number | null => (left <= 0 ? 0 : speedBps > 0 ? left / speedBps : null);

/**
 * Speed as an exponentially weighted average of per-tick rates: steadier than the last tick, quicker to follow a
 * change than the average since the start (which a resume would also distort).
 */
export class SpeedMeter {
  private lastBytes = 0;
  private lastTime = 0;
  private rate = 0;

  constructor(private readonly halfLifeMs = 2000) {}

  sample(bytes: number, now = performance.now()): number {
    if (this.lastTime === 0) {
      this.lastTime = now;
      this.lastBytes = bytes;
      return 0;
    }
    const dt = now - this.lastTime;
    if (dt < 50) return this.rate;
    const instant = (Math.max(0, bytes - this.lastBytes) * 1000) / dt;
    const keep = 0.5 ** (dt / this.halfLifeMs);
    this.rate = this.rate === 0 ? instant : this.rate * keep + instant * (1 - keep);
    this.lastTime = now;
    this.lastBytes = bytes;
    return this.rate;
  }
}

/** A file in flight as a pull or a build tracks it: its bytes so far, its size and its own speed meter. */
export interface ActiveFile {
  done: number;
  size: number;
  meter: SpeedMeter;
}

/** One progress report from a pull's or a build's counters, speeds sampled now (overall and per active file). */
export function progressSnapshot(
  head: Pick<PullProgress, 'id' | 'name' | 'state' | 'bytesDone' | 'bytesTotal' | 'filesDone' | 'filesTotal' | 'steps'>,
  meter: SpeedMeter,
  active: ReadonlyMap<string, ActiveFile>,
): PullProgress {
  const now = performance.now();
  const speedBps = meter.sample(head.bytesDone, now);
  const files: FileProgress[] = [...active].map(([path, f]) => {
    const fileSpeed = f.meter.sample(f.done, now);
    return { path, bytesDone: f.done, bytesTotal: f.size, speedBps: fileSpeed, etaSeconds: etaSeconds(f.size - f.done, fileSpeed) };
  });
  const { steps, ...rest } = head;
  return { ...rest, speedBps, etaSeconds: etaSeconds(head.bytesTotal - head.bytesDone, speedBps), active: files, ...(steps ? { steps } : {}) };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}
