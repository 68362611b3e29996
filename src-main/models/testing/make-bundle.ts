import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A model bundle made of random bytes with a real, schema-valid manifest (real sizes and SHA-256s), for tests that
 * must not depend on the trained model being present.
 */
export interface TestBundle {
  id: string;
  files: { path: string; data: Buffer }[];
  manifest: Record<string, unknown>;
  manifestText: string;
}

export function makeBundle(id: string, sizes: Record<string, number> = { 'audio.onnx': 40_000, 'llm.onnx': 120_000, 'tokenizer.json': 2_000 }): TestBundle {
  const files = Object.entries(sizes).map(([path, size]) => ({ path, data: randomBytes(size) }));
  const graph = (file: string) => ({ file, inputs: { x: { dtype: 'float32', shape: [1, 'n'] } }, outputs: { y: { dtype: 'float32', shape: [1, 'n'] } } });
  const manifest = {
    format: 'diffa-bundle',
    format_version: 1,
    id,
    name: `Test ${id}`,
    version: '1.0.0',
    licence: 'MIT',
    audio: { sample_rate: 16000, n_mels: 80, n_fft: 400, hop_length: 160, chunk_s: 30, chunk_frames: 3000 },
    graphs: { audio: graph('audio.onnx'), llm: graph('llm.onnx') },
    tokenizer: 'tokenizer.json',
    special_tokens: { bos: 1, eos: 2, mask: 3, eot: 4 },
    chat_template: '{{ messages }}',
    system_prompt: 'You answer questions about sound.',
    audio_insertion: { after_text: '<audio>' },
    decoding: { sampler: 'low-confidence', steps: 8, gen_length: 16, block_length: 16 },
    files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: createHash('sha256').update(f.data).digest('hex') })),
  };
  return { id, files, manifest, manifestText: JSON.stringify(manifest, null, 2) };
}

/** Writes the bundle as an installable folder. */
export function writeBundle(bundle: TestBundle, dir: string): string {
  for (const file of bundle.files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.data);
  }
  writeFileSync(join(dir, 'manifest.json'), bundle.manifestText);
  return dir;
}

/** The files a hub repo of this bundle holds: the manifest plus every listed file. */
export const repoFiles = (bundle: TestBundle) => [{ path: 'manifest.json', data: Buffer.from(bundle.manifestText) }, ...bundle.files];
