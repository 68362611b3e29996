import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../test-support/temp-dir';
import { UsageError } from './command';
import { buildCommand } from './models-build';

const templates = join(import.meta.dirname, '..', '..', 'models', 'templates');

describe('models build: the template and --dtype', () => {
  const dir = tempDir('models-build-cli-');
  const args = (dtype: string, template: string) => ({
    arch: 'diffa2',
    dtype,
    template: join(templates, template),
    llada: join(dir, 'no-llada'),
    whisper: join(dir, 'no-whisper'),
    checkpoint: join(dir, 'no-checkpoint.bin'),
    out: join(dir, 'out'),
  });

  it('refuses a template made for another dtype, before reading any checkpoint', async () => {
    await assert.rejects(buildCommand(args('fp16', 'diffa2-fp32')), (e: Error) => e instanceof UsageError && /builds fp32, not --dtype fp16/.test(e.message));
    await assert.rejects(buildCommand(args('int4', 'diffa2-fp16')), (e: Error) => e instanceof UsageError && /builds fp16, not --dtype int4/.test(e.message));
  });

  it('goes on to the checkpoints with the matching template', async () => {
    for (const [dtype, template] of [
      ['fp32', 'diffa2-fp32'],
      ['fp16', 'diffa2-fp16'],
      ['int4', 'diffa2-int4'],
    ] as const) {
      await assert.rejects(buildCommand(args(dtype, template)), (e: Error) => !(e instanceof UsageError) && /no-llada/.test(e.message), dtype);
    }
  });
});
