/**
 * The model builder at full size: wall time against copying the same input bytes on the same disk, and peak RSS.
 *
 *   python3 tools/make_full_size_checkpoints.py --out CK          # ~17 GB of random checkpoints, released shapes
 *   python3 tools/plan_full_size.py --llada CK/llada --whisper CK/whisper --diffa2 CK/diffa2/pytorch_model.bin \
 *       --out PLAN --int4                                         # a full-size build plan (see the tool)
 *   CHECKPOINTS=CK PLAN=PLAN [THREADS=N] npx tsx bench/model-build.bench.ts   # THREADS: the build's --threads
 *
 * Runs `cp -r` of the three checkpoint folders (the bytes the builder reads; Whisper's decoder is a hole in the
 * random set, as the builder never reads it), then the build in a child process (`models build`, peak RSS from
 * /usr/bin/time, with its CPU time), then the copy again; the build is compared with the faster copy. Outputs are
 * deleted as it goes. Note the load average it prints: on a busy machine the build (CPU) waits for cores and the
 * copy (I/O) does not.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';

const ck = process.env.CHECKPOINTS;
const plan = process.env.PLAN;
if (!ck || !plan) throw new Error('set CHECKPOINTS and PLAN (see the comment at the top)');
const work = mkdtempSync(join(dirname(ck), 'bench-build-'));
const root = join(import.meta.dirname, '..');

function copyOnce(): number {
  const out = join(work, 'copy');
  mkdirSync(out);
  const t0 = performance.now();
  const r = spawnSync('cp', ['-r', '--sparse=always', join(ck as string, 'llada'), join(ck as string, 'whisper'), join(ck as string, 'diffa2'), `${out}/`], {
    stdio: 'inherit',
  });
  spawnSync('sync');
  const s = (performance.now() - t0) / 1000;
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error('cp failed');
  return s;
}

function build(): { seconds: number; peakRssMB: number; cpuSeconds: number; userSeconds: number; sysSeconds: number } {
  const out = join(work, 'bundle');
  const t0 = performance.now();
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'PEAK_KB %M CPU_S %U %S',
      process.execPath,
      '--import',
      'tsx',
      'src-main/cli/main.ts',
      'models',
      'build',
      '--arch',
      'diffa2',
      '--dtype',
      'int4',
      '--template',
      plan as string,
      '--llada',
      join(ck as string, 'llada'),
      '--whisper',
      join(ck as string, 'whisper'),
      '--checkpoint',
      join(ck as string, 'diffa2', 'pytorch_model.bin'),
      '--out',
      out,
      '--home',
      join(work, 'home'),
      ...(process.env.THREADS ? ['--threads', process.env.THREADS] : []),
    ],
    { cwd: root, encoding: 'utf8' },
  );
  spawnSync('sync');
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  const kb = Number(/PEAK_KB (\d+)/.exec(r.stderr)?.[1]);
  const cpu = /CPU_S ([\d.]+) ([\d.]+)/.exec(r.stderr);
  rmSync(out, { recursive: true, force: true });
  const [userSeconds, sysSeconds] = [Number(cpu?.[1]), Number(cpu?.[2])];
  return { seconds, peakRssMB: kb / 1024, cpuSeconds: userSeconds + sysSeconds, userSeconds, sysSeconds };
}

try {
  console.log(
    `load: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const copy1 = copyOnce();
  console.log(`copy 1: ${copy1.toFixed(1)} s`);
  const b = build();
  console.log(
    `build: ${b.seconds.toFixed(1)} s, CPU ${b.cpuSeconds.toFixed(0)} s (${b.userSeconds.toFixed(0)} user + ${b.sysSeconds.toFixed(0)} sys), peak RSS ${b.peakRssMB.toFixed(0)} MB`,
  );
  const copy2 = copyOnce();
  console.log(`copy 2: ${copy2.toFixed(1)} s`);
  const copy = Math.min(copy1, copy2);
  console.log(
    JSON.stringify({
      copySeconds: copy,
      buildSeconds: b.seconds,
      ratio: b.seconds / copy,
      buildCpuSeconds: b.cpuSeconds,
      buildCpuSplit: [b.userSeconds, b.sysSeconds],
      peakRssMB: b.peakRssMB,
      threads: process.env.THREADS ?? 'default',
    }),
  );
  console.log(
    `load: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
