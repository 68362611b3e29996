/** The element types the readers understand, named as safetensors names them. */
export type TensorDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Record<TensorDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** Where one tensor's bytes lie: a contiguous, row-major, little-endian range of one file. */
export interface TensorLocation {
  name: string;
  dtype: TensorDType;
  shape: number[];
  file: string;
  /** absolute byte offset in `file` */
  offset: number;
  length: number;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** A set of named tensors, whatever the file format behind them. */
export interface TensorSource {
  names(): string[];
  has(name: string): boolean;
  /** throws a bad_model error naming the source when the tensor is not there */
  locate(name: string): TensorLocation;
}
