import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';

import type { ProviderName } from '../../src-common/decoding/providers';

export type { ProviderName };

/** What each platform offers, best first; CPU always closes the list. */
export function providerOrder(platform: NodeJS.Platform = process.platform, arch: string = process.arch): ProviderName[] {
  if (platform === 'linux') return arch === 'x64' ? ['cuda', 'tensorrt', 'webgpu', 'cpu'] : ['cpu'];
  if (platform === 'win32') return ['dml', 'webgpu', 'cpu'];
  if (platform === 'darwin') return arch === 'arm64' ? ['coreml', 'webgpu', 'cpu'] : ['webgpu', 'cpu'];
  return ['cpu'];
}

/** Folder of onnxruntime-node's native binaries for this platform (where the CUDA provider libraries go). */
export function ortBinaryDir(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

const VULKAN_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/**
 * Reasons a provider cannot work, found without trying it: trying writes native errors to stderr (a missing CUDA
 * library, Vulkan complaining it has no driver) that would only alarm the user. Null means "try it".
 */
export function knownUnavailable(provider: ProviderName, binaryDir: string | null = ortBinaryDir()): string | null {
  if (provider === 'cuda' || provider === 'tensorrt') {
    const library = provider === 'cuda' ? 'libonnxruntime_providers_cuda.so' : 'libonnxruntime_providers_tensorrt.so';
    if (process.platform === 'linux' && binaryDir && !existsSync(join(binaryDir, library))) {
      return `the ${provider === 'cuda' ? 'CUDA' : 'TensorRT'} provider is not installed (run \`npm run install:cuda\`)`;
    }
  }
  if (provider === 'webgpu' && process.platform === 'linux') {
    const hasDriver = VULKAN_ICD_DIRS.some((dir) => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.json')));
    if (!hasDriver) return 'no Vulkan driver is installed, so WebGPU has no adapter';
  }
  return null;
}

export interface ProviderAttempt {
  provider: ProviderName;
  ok: boolean;
  /** Why it could not be used (the runtime's own message, first line). */
  reason?: string;
  ms: number;
}

export interface ProviderChoice<T> {
  value: T;
  provider: ProviderName;
  attempts: ProviderAttempt[];
}

/**
 * Tries each provider in turn. onnxruntime-node throws instead of falling back when a provider is missing (e.g. the
 * CUDA libraries are not installed), so each one is tried alone and its failure recorded — the hardware panel and
 * every answer can then say which provider ran and why the ones before it did not.
 */
export async function withFallback<T>(order: readonly ProviderName[], open: (provider: ProviderName) => Promise<T>): Promise<ProviderChoice<T>> {
  const attempts: ProviderAttempt[] = [];
  for (const provider of order) {
    const started = performance.now();
    const skip = order.length > 1 ? knownUnavailable(provider) : null;
    if (skip) {
      attempts.push({ provider, ok: false, reason: skip, ms: 0 });
      continue;
    }
    try {
      const value = await open(provider);
      attempts.push({ provider, ok: true, ms: performance.now() - started });
      return { value, provider, attempts };
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.slice(0, 300) ?? 'unknown error';
      attempts.push({ provider, ok: false, reason, ms: performance.now() - started });
    }
  }
  const summary = attempts.map((a) => `${a.provider}: ${a.reason}`).join('; ');
  throw new Error(`No execution provider could run the model (${summary})`);
}

/**
 * Providers whose outputs can stay in device memory between runs (onnxruntime-node's IO binding: an output asked for
 * at `gpu-buffer` comes back as a device tensor, and a device tensor fed as an input is bound without a copy).
 */
export const DEVICE_MEMORY_PROVIDERS: ReadonlySet<ProviderName> = new Set<ProviderName>(['cuda']);

/**
 * ONNX Runtime's graph optimisation level per provider. `all` adds layout transformations written for the CPU
 * provider's kernels (and CUDA/DirectML take them well); providers that compile the graph into their own engine
 * (TensorRT, CoreML, WebGPU) get `extended`: the fusions, without CPU-specific layouts. Only the CPU has been
 * measured here.
 */
export const GRAPH_OPTIMIZATION: Record<ProviderName, InferenceSession.SessionOptions['graphOptimizationLevel']> = {
  cpu: 'all',
  cuda: 'all',
  dml: 'all',
  tensorrt: 'extended',
  coreml: 'extended',
  webgpu: 'extended',
};

/**
 * Session options for one provider; quiet logs, since a refused provider is reported through `attempts` instead.
 * No spinning: after a run, onnxruntime's pool threads busy-wait for the next one by default, and on a machine with
 * few cores they took the core the engine's JavaScript needed between two steps (p90 of a step's JS share 35 %
 * without this, 6 % with it; answers/s up ~15 %, `npm run bench:engine`). On the CPU the pool has one thread per
 * logical core: onnxruntime's default counts physical cores, which leaves half of an SMT machine idle.
 */
export function sessionOptions(
  provider: ProviderName,
  cores: number = availableParallelism(),
  deviceOutputs: readonly string[] = [],
): InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: GRAPH_OPTIMIZATION[provider],
    ...(provider === 'cpu' ? { intraOpNumThreads: cores } : {}),
    // IO binding: outputs that the next run takes back as inputs (the key/value cache) stay in device memory on CUDA.
    ...(DEVICE_MEMORY_PROVIDERS.has(provider) && deviceOutputs.length > 0
      ? { preferredOutputLocation: Object.fromEntries(deviceOutputs.map((name) => [name, 'gpu-buffer' as const])) }
      : {}),
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}
