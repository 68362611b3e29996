import { checkpointError } from './checkpoint-error';
import type { TensorLocation, TensorSource } from './tensor-types';

/** The tensors one checkpoint source holds, by name, with where each one's bytes are (safetensors and `.bin` alike). */
export class TensorTable implements TensorSource {
  protected constructor(
    /** the file or folder named in errors */
    private readonly source: string,
    private readonly tensors: Map<string, TensorLocation>,
  ) {}

  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  locate(name: string): TensorLocation {
    const t = this.tensors.get(name);
    if (!t) throw checkpointError(this.source, 'is missing from the checkpoint', name);
    return t;
  }
}
