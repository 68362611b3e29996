import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { denoise } from '../src-common/diffusion/denoise';
import { bundledModelsDir } from '../src-main/core/resources';
import { DeviceCacheSlicer } from '../src-main/engine/device-cache';
import { cacheSupport, LlmForward, type LlmRunner } from '../src-main/engine/llm-forward';
import { type ProviderName, sessionOptions } from '../src-main/engine/providers';
import { loadBundle } from '../src-main/models/bundle';
import { readSamplerCase } from '../src-main/models/testing/parity-case';
import { median } from './stats';

const { values } = parseArgs({
  options: { provider: { type: 'string', default: 'cuda' }, model: { type: 'string' }, rounds: { type: 'string', default: '20' } },
});
const provider = values.provider as ProviderName;
const modelDir = values.model ?? join(bundledModelsDir(), 'diffa-tiny');
const rounds = Number(values.rounds);

const { manifest } = loadBundle(modelDir);
const { maskId, promptIds, audioOffset, audio, params: decoding } = readSamplerCase(modelDir);
const params = decoding();

async function runner(deviceOutputs: string[]): Promise<{ runner: LlmRunner; session: ort.InferenceSession }> {
  const session = await ort.InferenceSession.create(join(modelDir, manifest.graphs.llm.file), sessionOptions(provider, undefined, deviceOutputs));
  return {
    session,
    runner: {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      run: (feeds, fetches) => (fetches ? session.run(feeds, fetches) : session.run(feeds)) as Promise<Record<string, ort.Tensor>>,
    },
  };
}

async function main(): Promise<void> {
  const presentOutputs = Object.keys(manifest.graphs.llm.outputs).filter((name) => name.startsWith('present.'));
  const host = await runner([]);
  const device = await runner(presentOutputs);
  const support = cacheSupport(host.runner, (name) => manifest.graphs.llm.inputs[name]?.shape);
  if (!('layers' in support)) throw new Error(`${modelDir}: ${support.reason}`);
  const slicer = new DeviceCacheSlicer(support.layers, provider);

  const answer = async (cache: 'prefix' | 'dual', where: 'host' | 'device') => {
    const llm = new LlmForward(
      where === 'host' ? host.runner : device.runner,
      audio,
      audioOffset,
      promptIds,
      maskId,
      cache,
      support,
      where === 'device' ? slicer : null,
    );
    const started = performance.now();
    const runs: number[] = [];
    const result = await denoise(
      params,
      async (input) => {
        const prediction = await llm.forward(input);
        runs.push(llm.lastRunMs);
        return prediction;
      },
      () => undefined,
    );
    const ms = performance.now() - started;
    llm.dispose();
    if (llm.report.used !== cache) throw new Error(`${where} ${cache}: ran ${llm.report.used} (${llm.report.note})`);
    return { tokens: Array.from(result.tokens).join(','), ms, runMs: median(runs) };
  };

  const rows = ['prefix host', 'prefix device', 'dual host', 'dual device'] as const;
  const times: Record<string, { ms: number[]; runMs: number[]; tokens: Set<string> }> = Object.fromEntries(
    rows.map((row) => [row, { ms: [], runMs: [], tokens: new Set<string>() }]),
  );
  for (const row of rows) {
    const [cache, where] = row.split(' ') as ['prefix' | 'dual', 'host' | 'device'];
    await answer(cache, where); // warm-up: kernels, allocations, the slicing graph's session
  }
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    loads.push(loadavg()[0] ?? 0);
    for (const row of rows) {
      const [cache, where] = row.split(' ') as ['prefix' | 'dual', 'host' | 'device'];
      const a = await answer(cache, where);
      const t = times[row];
      t?.ms.push(a.ms);
      t?.runMs.push(a.runMs);
      t?.tokens.add(a.tokens);
    }
  }
  console.log(
    `${manifest.name} on ${provider}: gen 32, block 8, low-confidence, ${rounds} rounds alternating, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}\n`,
  );
  console.log('| cache | kept where | answer ms (median) | session.run ms per step (median) | device ÷ host |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) {
    const [cache, where] = row.split(' ');
    const t = times[row];
    const hostRow = times[`${cache} host`];
    const ratio = where === 'device' && t && hostRow ? `${(median(t.ms) / median(hostRow.ms)).toFixed(2)}` : '';
    console.log(`| ${cache} | ${where} | ${median(t?.ms ?? []).toFixed(2)} | ${median(t?.runMs ?? []).toFixed(3)} | ${ratio} |`);
  }
  const same = (['prefix', 'dual'] as const).every((cache) => {
    const all = new Set([...(times[`${cache} host`]?.tokens ?? []), ...(times[`${cache} device`]?.tokens ?? [])]);
    return all.size === 1;
  });
  console.log(`\nTokens: ${same ? 'the same on both paths, every round' : 'DIFFER between the paths'}`);
  await slicer.release();
  await Promise.all([host.session.release(), device.session.release()]);
  if (!same) process.exit(1);
}

await main();
