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
