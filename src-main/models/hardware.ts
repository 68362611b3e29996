import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, freemem, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

/** Facts for the hardware panel. Everything here is measured or found on disk; nothing is assumed from the platform. */
export interface GpuInfo {
  name: string;
  vendor: 'nvidia' | 'amd' | 'intel' | 'apple' | 'other';
  memoryBytes: number | null;
  /** How it was found (nvidia-smi, /proc, /sys, system_profiler, CIM). */
  source: string;
}

export interface ProviderInfo {
  name: string;
  /** Part of the onnxruntime-node build (as opposed to a separate install). */
  bundled: boolean;
  usable: boolean;
  /** Why it is or is not usable, in words a user can act on. */
  reason: string;
}

export interface HardwareInfo {
  platform: string;
  arch: string;
  cpu: { model: string; cores: number };
  ram: { totalBytes: number; freeBytes: number };
  gpus: GpuInfo[];
  providers: ProviderInfo[];
}

/** What the probes read from the system; a seam so tests can describe any machine. */
export interface HardwareProbe {
  platform: NodeJS.Platform;
  arch: string;
  run(command: string, args: string[]): Promise<string | null>;
  readText(path: string): string | null;
  list(dir: string): string[];
  exists(path: string): boolean;
  env: NodeJS.ProcessEnv;
  backends(): { name: string; bundled: boolean }[];
  /** The folder holding onnxruntime-node's native binding (where the CUDA provider libraries must be). */
  ortBinDir(): string | null;
}

export const systemProbe: HardwareProbe = {
  platform: process.platform,
  arch: process.arch,
  run: (command, args) =>
    new Promise((resolve) => {
      execFile(command, args, { timeout: 5000, windowsHide: true }, (error, stdout) => resolve(error ? null : stdout));
    }),
  readText: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  },
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
  exists: existsSync,
  env: process.env,
  backends: () => {
    try {
      const ort = createRequire(import.meta.url)('onnxruntime-node') as { listSupportedBackends?: () => { name: string; bundled: boolean }[] };
      return ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }];
    } catch {
      return [];
    }
  },
  ortBinDir: () => {
    try {
      const root = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
      return join(root, 'bin', 'napi-v6', process.platform, process.arch);
    } catch {
      return null;
    }
  },
};

const MIB = 1024 * 1024;

async function findGpus(probe: HardwareProbe): Promise<GpuInfo[]> {
  if (probe.platform === 'linux' || probe.platform === 'win32') {
    const smi = await probe.run('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits']);
    if (smi) {
      const gpus = smi
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [name = 'NVIDIA GPU', memory = ''] = line.split(',').map((s) => s.trim());
          const mib = Number.parseFloat(memory);
          return { name, vendor: 'nvidia' as const, memoryBytes: Number.isFinite(mib) ? mib * MIB : null, source: 'nvidia-smi' };
        });
      if (gpus.length) return gpus;
    }
  }
  if (probe.platform === 'linux') return linuxGpus(probe);
  if (probe.platform === 'darwin') return macGpus(probe);
  if (probe.platform === 'win32') return windowsGpus(probe);
  return [];
}

function linuxGpus(probe: HardwareProbe): GpuInfo[] {
  // The NVIDIA driver lists its GPUs here even where nvidia-smi is not installed (no memory size, though).
  const nvidia = probe.list('/proc/driver/nvidia/gpus').flatMap((bus) => {
    const info = probe.readText(`/proc/driver/nvidia/gpus/${bus}/information`);
    const model = info && /^Model:\s*(.+)$/m.exec(info)?.[1]?.trim();
    return model ? [{ name: model, vendor: 'nvidia' as const, memoryBytes: null, source: '/proc/driver/nvidia' }] : [];
  });
  if (nvidia.length) return nvidia;
  const vendors: Record<string, GpuInfo['vendor']> = { '0x10de': 'nvidia', '0x1002': 'amd', '0x8086': 'intel' };
  return probe
    .list('/sys/class/drm')
    .filter((card) => /^card\d+$/.test(card))
    .flatMap((card) => {
      const vendorId = probe.readText(`/sys/class/drm/${card}/device/vendor`)?.trim();
      if (!vendorId) return [];
      const vram = Number(probe.readText(`/sys/class/drm/${card}/device/mem_info_vram_total`)?.trim());
      const device = probe.readText(`/sys/class/drm/${card}/device/device`)?.trim() ?? '';
      const vendor = vendors[vendorId] ?? 'other';
      return [{ name: `${vendor.toUpperCase()} GPU ${device}`.trim(), vendor, memoryBytes: vram > 0 ? vram : null, source: '/sys/class/drm' }];
    });
}

async function macGpus(probe: HardwareProbe): Promise<GpuInfo[]> {
  const out = await probe.run('system_profiler', ['SPDisplaysDataType', '-json']);
  if (!out) return [];
  try {
    const items =
      (JSON.parse(out) as { SPDisplaysDataType?: { sppci_model?: string; spdisplays_vram?: string; spdisplays_vendor?: string }[] }).SPDisplaysDataType ?? [];
    return items.map((item) => {
      const vram = /(\d+)\s*(GB|MB)/.exec(item.spdisplays_vram ?? '');
      const bytes = vram ? Number(vram[1]) * (vram[2] === 'GB' ? 1024 * MIB : MIB) : null;
      const name = item.sppci_model ?? 'GPU';
      const vendor: GpuInfo['vendor'] = /apple/i.test(`${name} ${item.spdisplays_vendor}`)
        ? 'apple'
        : /amd|radeon/i.test(name)
          ? 'amd'
          : /intel/i.test(name)
            ? 'intel'
            : 'other';
      // Apple silicon shares system memory with the GPU.
      return { name, vendor, memoryBytes: vendor === 'apple' ? null : bytes, source: 'system_profiler' };
    });
  } catch {
    return [];
  }
}

async function windowsGpus(probe: HardwareProbe): Promise<GpuInfo[]> {
  const out = await probe.run('powershell', [
    '-NoProfile',
    '-Command',
    'Get-CimInstance Win32_VideoController | Select-Object Name,AdapterRAM | ConvertTo-Json',
  ]);
  if (!out) return [];
  try {
    const parsed = JSON.parse(out) as { Name: string; AdapterRAM?: number } | { Name: string; AdapterRAM?: number }[];
    return (Array.isArray(parsed) ? parsed : [parsed]).map((g) => ({
      name: g.Name,
      vendor: /nvidia/i.test(g.Name) ? 'nvidia' : /amd|radeon/i.test(g.Name) ? 'amd' : /intel/i.test(g.Name) ? 'intel' : 'other',
      // AdapterRAM is a 32-bit field: it caps at 4 GiB, so treat that value as unknown rather than wrong.
      memoryBytes: g.AdapterRAM && g.AdapterRAM < 4 * 1024 * MIB - 1 ? g.AdapterRAM : null,
      source: 'Win32_VideoController',
    }));
  } catch {
    return [];
  }
}

/** Looks for a shared library the way the dynamic loader would: LD_LIBRARY_PATH, the ldconfig cache, CUDA's usual places. */
async function libraryFinder(probe: HardwareProbe): Promise<(name: string) => boolean> {
  const cache = (await probe.run('/sbin/ldconfig', ['-p'])) ?? (await probe.run('ldconfig', ['-p'])) ?? '';
  const dirs = [
    ...(probe.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    ...probe
      .list('/usr/local')
      .filter((d) => d.startsWith('cuda'))
      .map((d) => `/usr/local/${d}/lib64`),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib64',
  ];
  return (name) => cache.includes(`${name} `) || dirs.some((dir) => probe.exists(join(dir, name)));
}

/** CUDA 12 builds of onnxruntime need these beside the GPU driver. */
const CUDA_LIBS = ['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcufft.so.11', 'libcudnn.so.9'];

async function describeProviders(probe: HardwareProbe, gpus: GpuInfo[]): Promise<ProviderInfo[]> {
  const backends = probe.backends();
  if (backends.length === 0) return [{ name: 'cpu', bundled: false, usable: false, reason: 'onnxruntime-node could not be loaded in this install' }];
  const hasLib = probe.platform === 'linux' ? await libraryFinder(probe) : () => false;
  const nvidia = gpus.some((g) => g.vendor === 'nvidia');
  const binDir = probe.ortBinDir();
  return backends.map(({ name, bundled }) => {
    const info = (usable: boolean, reason: string): ProviderInfo => ({ name, bundled, usable, reason });
    switch (name) {
      case 'cpu':
        return info(true, 'always available');
      case 'cuda':
      case 'tensorrt': {
        if (!nvidia) return info(false, 'no NVIDIA GPU found (nvidia-smi, /proc/driver/nvidia)');
        if (probe.platform !== 'linux') return info(false, 'this onnxruntime-node build has no CUDA provider for this platform');
        const providerLib = `libonnxruntime_providers_${name}.so`;
        if (!binDir || !probe.exists(join(binDir, providerLib))) return info(false, `${providerLib} is not installed: run \`npm run install:cuda\``);
        if (!hasLib('libcuda.so.1')) return info(false, 'the NVIDIA driver library libcuda.so.1 was not found');
        const missing = [...CUDA_LIBS, ...(name === 'tensorrt' ? ['libnvinfer.so.10'] : [])].filter((lib) => !hasLib(lib));
        if (missing.length)
          return info(false, `missing CUDA 12 libraries: ${missing.join(', ')} (install the CUDA 12 runtime and cuDNN 9, or add them to LD_LIBRARY_PATH)`);
        return info(true, `NVIDIA GPU, provider and CUDA libraries found; confirmed when a model session opens`);
      }
      case 'webgpu':
        return gpus.length
          ? info(true, 'bundled; uses the GPU through Vulkan/D3D12/Metal (confirmed when a model session opens)')
          : info(false, 'bundled, but no GPU was found');
      case 'dml':
        return gpus.length ? info(true, 'bundled; runs on any DirectX 12 GPU') : info(false, 'bundled, but no GPU was found');
      case 'coreml':
        return info(probe.arch === 'arm64', probe.arch === 'arm64' ? 'bundled; Apple Neural Engine and GPU' : 'bundled; needs Apple silicon to help');
      default:
        return info(bundled, bundled ? 'bundled' : 'needs a separate install');
    }
  });
}

export async function hardwareInfo(probe: HardwareProbe = systemProbe): Promise<HardwareInfo> {
  const gpus = await findGpus(probe);
  const cpuList = cpus();
  return {
    platform: probe.platform,
    arch: probe.arch,
    cpu: { model: cpuList[0]?.model.trim() ?? 'unknown', cores: cpuList.length },
    ram: { totalBytes: totalmem(), freeBytes: freemem() },
    gpus,
    providers: await describeProviders(probe, gpus),
  };
}
