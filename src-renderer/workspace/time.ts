/** A tick spacing (seconds) that gives labels at least `minPx` apart at `pxPerSec`. */
export function tickStep(pxPerSec: number, minPx = 90): number {
  const steps = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
  for (const step of steps) if (step * pxPerSec >= minPx) return step;
  return 14_400;
}

/** Decimals a label needs at a tick step. */
export function stepDigits(step: number): number {
  if (step >= 1) return 0;
  return Math.min(3, Math.ceil(-Math.log10(step) - 1e-9));
}

/** '#rrggbb' as rgba() with an alpha. */
export function withAlpha(hex: string, alpha: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

/** Region colours offered for new regions, in turn. */
export const REGION_COLOURS = ['#6d5dfc', '#e0632b', '#1f9d6b', '#d23c8c', '#2b8ad8', '#b58a12'];
