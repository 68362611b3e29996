import { formatBytes, formatEta, type PullProgress } from '../models/progress';

const BAR_WIDTH = 24;

function bar(done: number, total: number): string {
  const filled = Math.min(BAR_WIDTH, Math.round((BAR_WIDTH * done) / Math.max(1, total)));
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

const pct = (done: number, total: number) => `${(total ? (100 * done) / total : 0).toFixed(1).padStart(5)}%`;

/** The whole pull on the first line, then one line per file in flight with its own bytes, speed and time left. */
export function pullProgressLines(p: PullProgress): string[] {
  // A model built here: which step of how many, and the step's bytes (written, while building).
  const index = p.steps?.findIndex((s) => s.state === 'running') ?? -1;
  const step = p.steps && index >= 0 ? `step ${index + 1}/${p.steps.length} ${p.steps[index]?.label.toLowerCase()}  ` : '';
  const total = `${step}${bar(p.bytesDone, p.bytesTotal)} ${pct(p.bytesDone, p.bytesTotal)}  ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}  ${formatBytes(p.speedBps)}/s  ETA ${formatEta(p.etaSeconds)}${p.state === 'building' ? '' : `  files ${p.filesDone}/${p.filesTotal}`}`;
  const files = p.active.map(
    (f) =>
      `  ${f.path}  ${pct(f.bytesDone, f.bytesTotal)}  ${formatBytes(f.bytesDone)} / ${formatBytes(f.bytesTotal)}  ${formatBytes(f.speedBps)}/s  ETA ${formatEta(f.etaSeconds)}`,
  );
  return [total, ...files];
}

/** A progress display redrawn in place on a terminal; plain lines every few seconds when output is a file or pipe. */
export function progressPrinter(out: { isTTY?: boolean; write(text: string): unknown } = process.stdout): { update(p: PullProgress): void; end(): void } {
  const tty = out.isTTY === true;
  let lastLine = 0;
  let drawn = 0;
  return {
    update(p) {
      if (p.state !== 'downloading' && p.state !== 'building') return;
      const lines = pullProgressLines(p);
      if (tty) {
        // Back to the first line drawn last time; clear what is left over when fewer files are in flight now.
        const up = drawn > 1 ? `\x1b[${drawn - 1}A` : '';
        out.write(`${up}\r${lines.map((line) => `${line}\x1b[K`).join('\n')}\x1b[J`);
        drawn = lines.length;
      } else if (Date.now() - lastLine > 2000) {
        lastLine = Date.now();
        out.write(`${lines.join('\n')}\n`);
      }
    },
    end() {
      if (drawn > 0) out.write('\n');
    },
  };
}
