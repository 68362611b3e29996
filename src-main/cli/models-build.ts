import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundledModelsDir } from '../core/resources';
import { ARCHITECTURE_IDS } from '../models/build/architectures';
import { buildBundle } from '../models/build/build-bundle';
import { readBuildPlan } from '../models/build/build-plan';
import { formatBytes } from '../models/progress';
import { UsageError } from './command';

/**
 * `models build`: released checkpoints → a model bundle, with no Python (src-main/models/build/). The graph
 * template comes from the app's `models/templates/<arch>-<dtype>/` unless `--template DIR` names one.
 */
export const BUILD_USAGE = `models build --arch diffa2|diffa --llada DIR --whisper DIR --checkpoint FILE|DIR --dtype fp32|fp16|int4 --out DIR [--template DIR] [--threads N]
                                         build a bundle from released checkpoints (no Python); Ctrl+C stops,
                                         the same command resumes from the last finished tensor; --threads:
                                         compute threads (default: one per core)`;

export const BUILD_OPTIONS = {
  arch: { type: 'string' },
  llada: { type: 'string' },
  whisper: { type: 'string' },
  checkpoint: { type: 'string' },
  dtype: { type: 'string' },
  out: { type: 'string' },
  template: { type: 'string' },
  threads: { type: 'string' },
} as const;

export async function buildCommand(values: Record<string, unknown>): Promise<number> {
  const need = (flag: string) => {
    const v = values[flag];
    if (typeof v !== 'string' || !v) throw new UsageError(`models build: --${flag} is required\n\n${BUILD_USAGE}`);
    return v;
  };
  const arch = need('arch');
  const dtype = need('dtype');
  if (!(ARCHITECTURE_IDS as string[]).includes(arch))
    throw new UsageError(`models build: --arch must be ${ARCHITECTURE_IDS.join(' or ')} (diffa2: DIFFA-2, diffa: DIFFA v1)`);
  if (!['fp32', 'fp16', 'int4'].includes(dtype)) throw new UsageError('models build: --dtype must be fp32, fp16 or int4');
  const templateDir = typeof values.template === 'string' ? resolve(values.template) : join(bundledModelsDir(), 'templates', `${arch}-${dtype}`);
  if (!existsSync(join(templateDir, 'build-plan.json'))) throw new UsageError(`models build: no template at ${templateDir} (see docs/diffa2.md)`);
  // A template is made for one dtype: a folder of another would build a bundle the user did not ask for.
  const templateDtype = readBuildPlan(templateDir).dtype;
  if (templateDtype !== (dtype === 'int4' ? 'fp16-int4' : dtype))
    throw new UsageError(`models build: the template at ${templateDir} builds ${templateDtype}, not --dtype ${dtype}`);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0 && threads <= 256))
    throw new UsageError('models build: --threads must be a whole number from 0 (no worker threads) to 256');
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  let last = 0;
  try {
    const result = await buildBundle({
      templateDir,
      llada: need('llada'),
      whisper: need('whisper'),
      checkpoint: need('checkpoint'),
      out: need('out'),
      threads,
      signal: stop.signal,
      onProgress: (p) => {
        const now = Date.now();
        if (p.phase === 'writing' && now - last < 1000) return;
        last = now;
        const pct = p.bytesTotal ? ((100 * p.bytesDone) / p.bytesTotal).toFixed(1) : '100';
        console.log(`${p.phase} ${p.graph ?? ''} ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)} (${pct} %)`);
      },
    });
    console.log(`Built ${result.dir}${result.resumed ? ' (resumed)' : ''}; install it with: models import ${result.dir}`);
    return 0;
  } catch (error) {
    if (stop.signal.aborted) {
      console.log('Stopped. Run the same command again to resume from the last finished tensor.');
      return 130;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
