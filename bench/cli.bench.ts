/**
 * Whole-process `diffa ask` on the bundled DIFFA-Tiny, as a person runs it: the built CLI (package.json's `bin`,
 * dist/main/cli.js), a fresh process per question, a short WAV, the default decoding. In the same command and
 * alternating round by round, the reference is a bare `node -e 0` (what any Node program pays to start on this
 * machine at this moment) and `diffa --help` (the CLI's own start, no model); medians of each are reported.
 *
 *   npm run build:main && npm run bench:cli              # 15 rounds
 *   BENCH_ROUNDS=31 npm run bench:cli
 *   BENCH_AUDIO=models/diffa-tiny/eval/00000-kind.mp3 npm run bench:cli   # another file (MP3: the WASM decoder)
 *   BENCH_BASELINE=/path/to/other/dist/main/cli.js npm run bench:cli      # another build of the CLI, alternating
 *
 * Target (issue #17): `ask` ≤ 1.5 s median. Each process is timed from spawn to exit by this process, so the
 * figures include Node's own start, module loading, the model's sessions, the answer and the exit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeSineWav } from '../src-main/test-support/wav';
import { median } from './stats';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist', 'main', 'cli.js');
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);

interface Timed {
  ms: number;
  /** CPU time (user + system) of the process and the children it waited for; null where /proc does not say. */
  cpuMs: number | null;
  stdout: string;
}

/**
 * CPU time of this process's waited-for children so far (Linux: cutime + cstime of /proc/self/stat, in clock ticks
 * of 10 ms). Wall time on a shared machine moves with the load; CPU time much less, so both are reported.
 */
function childrenCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return null;
  }
}

function timed(args: string[], env: NodeJS.ProcessEnv): Timed {
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const run = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 16 << 20 });
  const ms = performance.now() - started;
  const cpuAfter = childrenCpuMs();
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return { ms, cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore, stdout: run.stdout };
}

/** Runs each row once per round, in turn, so that a change of the machine's load hits every row alike. */
function alternate(rows: Record<string, () => Timed>, count: number) {
  const times: Record<string, Timed[]> = Object.fromEntries(Object.keys(rows).map((name) => [name, []]));
  const loads: number[] = [];
  for (let i = 0; i < count; i++) {
    loads.push(loadavg()[0] ?? 0);
    for (const [name, run] of Object.entries(rows)) times[name]?.push(run());
  }
  return { times, loads };
}

function main(): void {
  if (!existsSync(cli)) {
    console.error('bench:cli needs the built CLI: run `npm run build:main` first');
    process.exit(2);
  }
  const home = mkdtempSync(join(tmpdir(), 'diffa-bench-cli-'));
  try {
    const audio = process.env.BENCH_AUDIO ? resolve(process.env.BENCH_AUDIO) : writeSineWav(join(home, 'tone-3s.wav'), 3, 440, 16000);
    // A home of its own: no settings, no installed models, the bundled model; the engine's verified-hash cache is
    // written by the first (untimed) question, as it is after a person's first question.
    const env = { ...process.env, DIFFA_HOME: home };
    const ask = ['ask', '--audio', audio, '--question', 'What kind of sound is this?'];
    const warm = timed([cli, ...ask], env);
    const baseline = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : null;
    if (baseline) timed([baseline, ...ask], env);
    const { times, loads } = alternate(
      {
        'node -e 0': () => timed(['-e', '0'], env),
        // The CLI's own start: the ask command's modules, no app, no model.
        'diffa ask --help': () => timed([cli, 'ask', '--help'], env),
        'diffa ask': () => timed([cli, ...ask], env),
        ...(baseline ? { [`baseline ask (${baseline})`]: () => timed([baseline, ...ask], env) } : {}),
      },
      rounds,
    );
    console.log(
      `diffa ask --audio ${audio} (answer: ${warm.stdout.trim()}), ${rounds} rounds alternating, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}\n`,
    );
    console.log('| process | median ms | min | max | ÷ node -e 0 | CPU ms (user + system) median |');
    console.log('|---|---|---|---|---|---|');
    const wall = (name: string) => (times[name] ?? []).map((t) => t.ms);
    const base = median(wall('node -e 0'));
    for (const [name, row] of Object.entries(times)) {
      const ms = row.map((t) => t.ms);
      const cpu = row.every((t) => t.cpuMs !== null) ? median(row.map((t) => t.cpuMs ?? 0)).toFixed(0) : 'n/a';
      const m = median(ms);
      console.log(`| ${name} | ${m.toFixed(0)} | ${Math.min(...ms).toFixed(0)} | ${Math.max(...ms).toFixed(0)} | ${(m / base).toFixed(1)}× | ${cpu} |`);
    }
    console.log(
      '\nCPU time counts a process and the children it waited for: a CLI that kills its forked engine at the end (the baseline, if it is an older build) leaves the engine process out.',
    );
    const askMedian = median(wall('diffa ask'));
    console.log(`\nTarget: diffa ask ≤ 1500 ms median — ${askMedian <= 1500 ? 'met' : 'not met'} (${askMedian.toFixed(0)} ms) in this run.`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

main();
