import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointError } from './checkpoint-error';
import { SafetensorsFolder } from './safetensors';
import type { TensorLocation, TensorSource } from './tensor-types';
import { TorchCheckpoint } from './torch-bin';

/**
 * DIFFA-2's three released checkpoints seen as one set of tensors named like the model's state dict (the names
 * build-plan.json uses), as tools/diffa/checkpoints.py maps them:
 *   llm_model.model.transformer.*  ← LLaDA's model.transformer.* (bf16 safetensors shards)
 *   whisper_model.*                ← Whisper's model.encoder.* (its decoder is never read)
 *   semantic_connector.*, acoustic_connector.*  ← the DIFFA-2 checkpoint (pytorch_model.bin or safetensors)
 * and the LoRA pairs of the DIFFA-2 checkpoint, merged into their LLaDA weight when it is written.
 */
const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'ff_proj', 'up_proj'];
// PEFT wraps the LLM (base_model.model.); DIFFA-2's own loader also accepts the unwrapped form.
const LORA_RE = new RegExp(
  `^llm_model\\.(?:base_model\\.model\\.)?model\\.transformer\\.blocks\\.(\\d+)\\.(${LORA_TARGETS.join('|')})\\.lora_([AB])(?:\\.default)?\\.weight$`,
);

export interface LoraPair {
  a: TensorLocation;
  b: TensorLocation;
}

export interface ResolvedTensor {
  base: TensorLocation;
  lora?: LoraPair;
}

async function openCheckpoint(path: string): Promise<TensorSource> {
  if (!existsSync(path)) throw checkpointError(path, 'does not exist');
  if (statSync(path).isDirectory()) {
    for (const name of ['pytorch_model.bin', 'model.bin']) if (existsSync(join(path, name))) return TorchCheckpoint.open(join(path, name));
    return SafetensorsFolder.open(path);
  }
  if (path.endsWith('.safetensors')) return SafetensorsFolder.openFile(path);
  return TorchCheckpoint.open(path);
}

export class Diffa2Sources {
  private readonly map = new Map<string, TensorLocation>();
  readonly lora = new Map<string, Partial<LoraPair>>();
  /** adapter tensors that inference does not use (stage-1 prompts, …) */
  readonly ignored: string[] = [];

  private constructor(
    llada: TensorSource,
    whisper: TensorSource,
    adapter: TensorSource,
    /** where each part came from, for messages about a tensor that is not there */
    private readonly paths: { llada: string; whisper: string; checkpoint: string } = { llada: 'llada', whisper: 'whisper', checkpoint: 'checkpoint' },
  ) {
    for (const k of llada.names()) if (k.startsWith('model.transformer.')) this.map.set(`llm_model.${k}`, llada.locate(k));
    for (const k of whisper.names()) if (k.startsWith('model.encoder.')) this.map.set(`whisper_model.${k.slice('model.encoder.'.length)}`, whisper.locate(k));
    for (const k of adapter.names()) {
      const m = LORA_RE.exec(k);
      if (m) {
        const target = `llm_model.model.transformer.blocks.${m[1]}.${m[2]}.weight`;
        const pair = this.lora.get(target) ?? {};
        pair[m[3] === 'A' ? 'a' : 'b'] = adapter.locate(k);
        this.lora.set(target, pair);
      } else if (k.startsWith('semantic_connector.') || k.startsWith('acoustic_connector.')) this.map.set(k, adapter.locate(k));
      else this.ignored.push(k);
    }
  }

  static async open(dirs: { llada: string; whisper: string; checkpoint: string }): Promise<Diffa2Sources> {
    const [llada, whisper, adapter] = [
      await SafetensorsFolder.open(dirs.llada),
      await SafetensorsFolder.open(dirs.whisper),
      await openCheckpoint(dirs.checkpoint),
    ];
    return new Diffa2Sources(llada, whisper, adapter, { llada: dirs.llada, whisper: dirs.whisper, checkpoint: dirs.checkpoint });
  }

  /**
   * Every tensor the plan reads must exist with the shape the template was made for, and every LoRA pair must
   * be complete, fit its weight and hit a weight the plan reads. Errors name the file and the tensor.
   */
  check(wanted: Map<string, number[]>, arch: { lora: boolean; label: string } = { lora: true, label: 'DIFFA-2' }): void {
    for (const [name, shape] of wanted) {
      const t = this.map.get(name);
      if (!t)
        throw checkpointError(
          name.startsWith('whisper_model.') ? this.paths.whisper : name.startsWith('llm_model.') ? this.paths.llada : this.paths.checkpoint,
          'is missing from the checkpoints',
          name,
        );
      if (t.shape.join(',') !== shape.join(',')) {
        throw checkpointError(t.file, `has shape [${t.shape.join(', ')}], the template needs [${shape.join(', ')}] (another model size?)`, t.name);
      }
    }
    for (const [target, pair] of this.lora) {
      const any = (pair.a ?? pair.b) as TensorLocation;
      // merging or dropping it would give another model than the one asked for: a DIFFA-2 checkpoint given as v1?
      if (!arch.lora)
        throw checkpointError(any.file, `is LoRA for ${target}, but ${arch.label} has no LoRA (a DIFFA-2 checkpoint? use --arch diffa2)`, any.name);
      if (!pair.a || !pair.b) throw checkpointError(any.file, `LoRA for ${target} lacks lora_${pair.a ? 'B' : 'A'}`, any.name);
      const shape = wanted.get(target);
      if (!shape) throw checkpointError(any.file, `LoRA for ${target}, which the model does not have`, any.name);
      const [out, inp] = shape;
      const [r, aIn] = pair.a.shape;
      const [bOut, bR] = pair.b.shape;
      if (aIn !== inp || bOut !== out || r !== bR) {
        throw checkpointError(any.file, `LoRA shapes A [${pair.a.shape}] and B [${pair.b.shape}] do not fit [${shape}]`, any.name);
      }
    }
  }

  resolve(name: string): ResolvedTensor {
    const base = this.map.get(name);
    if (!base) throw checkpointError('checkpoints', 'is missing', name);
    const pair = this.lora.get(name);
    return pair?.a && pair.b ? { base, lora: { a: pair.a, b: pair.b } } : { base };
  }
}
