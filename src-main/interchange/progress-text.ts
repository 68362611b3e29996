import type { BatchProgress } from './batch-run';

const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

/** One line for a terminal: `[#####-----] 37/100  2 failed  ETA 1m02s  sub/take.wav` (fits `width` columns). */
export function progressBar(p: BatchProgress, width: number): string {
  const done = p.answered + p.skipped + p.failed;
  const cells = 24;
  const filled = p.total ? Math.round((done / p.total) * cells) : cells;
  const parts = [`[${'#'.repeat(filled)}${'-'.repeat(cells - filled)}] ${done}/${p.total}`];
  if (p.failed) parts.push(`${p.failed} failed`);
  if (p.etaMs !== null && p.state === 'running') parts.push(`ETA ${clock(p.etaMs)}`);
  if (p.current) parts.push(p.current);
  const line = parts.join('  ');
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}

/** A plain line for logs and pipes: `37/100 answered=35 skipped=0 failed=2 elapsed=0m48s`. */
export function progressLine(p: BatchProgress): string {
  const done = p.answered + p.skipped + p.failed;
  return `${done}/${p.total} answered=${p.answered} skipped=${p.skipped} failed=${p.failed} elapsed=${clock(p.elapsedMs)}${p.current ? ` ${p.current}` : ''}`;
}
