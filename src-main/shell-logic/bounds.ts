/** Window geometry remembered between runs, checked against the screens present now. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const MIN_WIDTH = 720;
export const MIN_HEIGHT = 480;

const isRect = (value: unknown): value is Rect =>
  typeof value === 'object' && value !== null && ['x', 'y', 'width', 'height'].every((key) => Number.isFinite((value as Record<string, unknown>)[key]));

/** Area two rectangles share, in square pixels. */
function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * The state to open the window with: the saved one when it is well-formed and still mostly visible on one of
 * `workAreas` (a monitor may have been unplugged), clamped to that screen; otherwise `fallback` centred on the first.
 */
export function restoreWindowState(saved: unknown, workAreas: readonly Rect[], fallback: { width: number; height: number }): WindowState {
  const primary = workAreas[0] ?? { x: 0, y: 0, width: fallback.width, height: fallback.height };
  const centred = (): WindowState => {
    const width = Math.min(fallback.width, primary.width);
    const height = Math.min(fallback.height, primary.height);
    return {
      bounds: { x: Math.round(primary.x + (primary.width - width) / 2), y: Math.round(primary.y + (primary.height - height) / 2), width, height },
      maximized: false,
    };
  };
  if (typeof saved !== 'object' || saved === null) return centred();
  const { bounds, maximized } = saved as { bounds?: unknown; maximized?: unknown };
  if (!isRect(bounds) || bounds.width < MIN_WIDTH / 2 || bounds.height < MIN_HEIGHT / 2) return centred();
  let best: Rect | undefined;
  let bestArea = 0;
  for (const area of workAreas) {
    const shared = overlap(bounds, area);
    if (shared > bestArea) [best, bestArea] = [area, shared];
  }
  // less than a quarter of the window (or of the screen, for a window larger than it) on any screen: it would be lost
  if (!best || bestArea < Math.min(bounds.width * bounds.height, best.width * best.height) / 4) return centred();
  const width = Math.max(Math.min(Math.round(bounds.width), best.width), Math.min(MIN_WIDTH, best.width));
  const height = Math.max(Math.min(Math.round(bounds.height), best.height), Math.min(MIN_HEIGHT, best.height));
  const x = Math.min(Math.max(Math.round(bounds.x), best.x), best.x + best.width - width);
  const y = Math.min(Math.max(Math.round(bounds.y), best.y), best.y + best.height - height);
  return { bounds: { x, y, width, height }, maximized: maximized === true };
}
