import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ApiError } from '../../../src-common/api/errors';
import { sha256File } from '../sha256';
import type { BuildArchitecture } from './architectures';
import type { BuildPlan } from './build-plan';

/**
 * The bundle's manifest.json from the template's (build-plan.json `manifest`) and what depends on the user's files,
 * as tools/convert_diffa2.py fills them: the special token ids from LLaDA's tokenizer.json, its chat template and
 * BOS token, where the weights came from, and every file's size and SHA-256.
 */
function specialIds(tokenizer: { added_tokens?: { id: number; content: string }[]; model?: { vocab?: unknown } }, specials: Record<string, string>) {
  const ids = new Map((tokenizer.added_tokens ?? []).map((t) => [t.content, t.id]));
  const vocab = tokenizer.model?.vocab;
  const out: Record<string, number> = {};
  for (const [key, name] of Object.entries(specials)) {
    const id = ids.get(name) ?? (vocab && typeof vocab === 'object' && !Array.isArray(vocab) ? (vocab as Record<string, number>)[name] : undefined);
    if (id === undefined) throw new ApiError('bad_model', `tokenizer.json has no ${name}`);
    out[key] = id;
  }
  return out;
}

function weightFiles(dir: string) {
  return readdirSync(dir)
    .filter((f) => /\.(safetensors|bin|json)$/.test(f))
    .sort()
    .map((f) => ({ file: f, size: statSync(join(dir, f)).size }));
}

export interface ManifestInputs {
  plan: BuildPlan;
  arch: BuildArchitecture;
  llada: string;
  whisper: string;
  checkpoint: string;
  bundleDir: string;
  files: string[];
  loraPairs: number;
  ignored: string[];
  /** SHA-256 already known (computed while writing), by file; the others are read back */
  sha256?: Record<string, string>;
}

export async function fillManifest(m: ManifestInputs): Promise<Record<string, unknown>> {
  const tokenizer = JSON.parse(readFileSync(join(m.llada, 'tokenizer.json'), 'utf8'));
  const configPath = join(m.llada, 'tokenizer_config.json');
  const tokenizerConfig = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>) : {};
  const bos = tokenizerConfig.bos_token ?? m.plan.specials.bos;
  const checkpointFile = m.checkpoint;
  const template = m.plan.manifest;
  const files = [];
  for (const f of m.files) {
    const path = join(m.bundleDir, f);
    files.push({ path: f, size: statSync(path).size, sha256: m.sha256?.[f] ?? (await sha256File(path)) });
  }
  return {
    ...template,
    source_checkpoints: [
      { name: 'LLaDA-8B-Instruct (GSAI-ML/LLaDA-8B-Instruct)', licence: 'MIT', files: weightFiles(m.llada) },
      { name: m.arch.sources.whisper, licence: 'Apache-2.0', files: weightFiles(m.whisper) },
      {
        name: m.arch.sources.checkpoint,
        licence: m.arch.sources.checkpointLicence,
        file: basename(checkpointFile),
        ...(statSync(checkpointFile).isFile() ? { sha256: await sha256File(checkpointFile) } : {}),
        lora_pairs: m.loraPairs,
        lora_alpha: m.plan.lora_alpha,
        ignored_adapter_tensors: m.ignored,
      },
    ],
    ...(m.files.includes('tokenizer_config.json') ? { tokenizer_config: 'tokenizer_config.json' } : {}),
    special_tokens: specialIds(tokenizer, m.plan.specials),
    chat_template: (tokenizerConfig.chat_template as string | undefined) || template.chat_template,
    bos_token: typeof bos === 'object' && bos !== null ? (bos as { content: string }).content : bos,
    files,
  };
}
