/**
 * The renderer's one formatting module: sizes, times (clock, duration, seconds, spans, estimates) and levels.
 * Tested in Node beside it (format.test.ts).
 */

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

/** File sizes the way file managers show them: 1 KB = 1000 bytes, at most one decimal. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  // 999 999 bytes is 999.999 KB, which would print as "1000 KB": say 1 MB instead
  if (value >= 999.5 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1).replace(/\.0$/, '')} ${UNITS[unit]}`;
}

/** A duration in seconds as m:ss.cc (or h:mm:ss for long files). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  // round first, so 59.999 s reads 1:00.00 rather than 0:60.00
  const centis = Math.round(seconds * 100);
  const h = Math.floor(centis / 360_000);
  const m = Math.floor((centis % 360_000) / 6000);
  const s = (centis % 6000) / 100;
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${String(Math.floor(s)).padStart(2, '0')}`;
  return `${m}:${s.toFixed(2).padStart(5, '0')}`;
}

/** A level in dB with its unit; digital silence (null from the measurements) reads −∞. */
export function formatLevel(value: number | null, unit: string): string {
  return value === null ? `−∞ ${unit}` : `${value.toFixed(1)} ${unit}`;
}

/** Times as an audio editor shows them: h:mm:ss.mmm for long files, m:ss.mmm otherwise; `digits` decimals. */
export function formatClock(seconds: number, digits = 3): string {
  if (!Number.isFinite(seconds)) return '–';
  const sign = seconds < 0 ? '-' : '';
  const scale = 10 ** digits;
  const total = Math.round(Math.abs(seconds) * scale);
  const whole = Math.floor(total / scale);
  const fraction = digits ? `.${String(total % scale).padStart(digits, '0')}` : '';
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${ss}${fraction}` : `${sign}${m}:${ss}${fraction}`;
}

/** A time in the chat (region chips): m:ss.s. Rounded before it is split, so 59.96 s reads 1:00.0, never 0:60.0. */
export function formatSeconds(seconds: number): string {
  return formatClock(seconds, 1);
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms >= 10 ? Math.round(ms) : ms.toFixed(1)} ms`;
}

/** Seconds as "45 s", "3 min 20 s", "2 h 5 min"; "–" while unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** "1m02s", "12s": for elapsed times and estimates. */
export function formatSpan(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}
