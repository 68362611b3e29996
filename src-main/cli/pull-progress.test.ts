import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PullProgress } from '../models/progress';
import { progressPrinter, pullProgressLines } from './pull-progress';

const progress: PullProgress = {
  id: 'm',
  name: 'M',
  state: 'downloading',
  bytesDone: 150_000_000,
  bytesTotal: 600_000_000,
  speedBps: 10_000_000,
  etaSeconds: 45,
  filesDone: 1,
  filesTotal: 4,
  active: [
    { path: 'llm.onnx', bytesDone: 100_000_000, bytesTotal: 400_000_000, speedBps: 6_000_000, etaSeconds: 50 },
    { path: 'audio.onnx', bytesDone: 40_000_000, bytesTotal: 190_000_000, speedBps: 0, etaSeconds: null },
  ],
};

describe('pull progress on the command line', () => {
  it('shows the whole pull, then each file in flight with its bytes, speed and time left', () => {
    const [total, llm, audio, ...rest] = pullProgressLines(progress);
    assert.equal(total, `[${'#'.repeat(6)}${'-'.repeat(18)}]  25.0%  150.0 MB / 600.0 MB  10.0 MB/s  ETA 00:45  files 1/4`);
    assert.equal(llm, '  llm.onnx   25.0%  100.0 MB / 400.0 MB  6.0 MB/s  ETA 00:50');
    assert.equal(audio, '  audio.onnx   21.1%  40.0 MB / 190.0 MB  0 B/s  ETA --:--');
    assert.deepEqual(rest, []);
  });

  it('redraws in place on a terminal, clearing lines of files that finished', () => {
    let screen = '';
    const printer = progressPrinter({ isTTY: true, write: (text: string) => (screen += text) });
    printer.update(progress);
    assert.ok(!screen.includes('\x1b[2A'), 'nothing to move back over the first time');
    screen = '';
    printer.update({ ...progress, active: progress.active.slice(0, 1) });
    assert.ok(screen.startsWith('\x1b[2A\r'), 'back to the first of the three lines drawn before');
    assert.ok(screen.endsWith('\x1b[J'), 'the third line, now unused, is cleared');
    assert.equal(screen.split('\n').length, 2);
  });
});
