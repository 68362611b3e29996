import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateFit } from './fit';
import { type HardwareProbe, hardwareInfo } from './hardware';

/** A described machine: command outputs, files and libraries that exist. */
function machine(spec: { smi?: string; files?: Record<string, string>; libs?: string[]; providerLibs?: boolean; backends?: string[] }): HardwareProbe {
  const files = spec.files ?? {};
  return {
    platform: 'linux',
    arch: 'x64',
    env: {},
    run: async (command) =>
      command === 'nvidia-smi'
        ? (spec.smi ?? null)
        : command.endsWith('ldconfig')
          ? (spec.libs ?? []).map((l) => `\t${l} (libc6,x86-64) => /usr/lib/${l}`).join('\n')
          : null,
    readText: (path) => files[path] ?? null,
    list: (dir) => [
      ...new Set(
        Object.keys(files)
          .filter((f) => f.startsWith(`${dir}/`))
          .map((f) => f.slice(dir.length + 1).split('/')[0] as string),
      ),
    ],
    exists: (path) => (spec.providerLibs ?? false) && path.startsWith('/ort/'),
    backends: () => (spec.backends ?? ['cpu', 'webgpu', 'cuda', 'tensorrt']).map((name) => ({ name, bundled: name === 'cpu' || name === 'webgpu' })),
    ortBinDir: () => '/ort',
  };
}

const CUDA = ['libcuda.so.1', 'libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcufft.so.11', 'libcudnn.so.9'];
const cuda = (hw: Awaited<ReturnType<typeof hardwareInfo>>) => hw.providers.find((p) => p.name === 'cuda');

describe('hardware facts', () => {
  it('reads GPUs from nvidia-smi', async () => {
    const hw = await hardwareInfo(machine({ smi: 'NVIDIA H100 80GB HBM3, 81559\nNVIDIA RTX 4090, 24564\n' }));
    assert.deepEqual(
      hw.gpus.map((g) => [g.name, g.memoryBytes]),
      [
        ['NVIDIA H100 80GB HBM3', 81559 * 1024 * 1024],
        ['NVIDIA RTX 4090', 24564 * 1024 * 1024],
      ],
    );
  });

  it('falls back to /proc/driver/nvidia, then /sys/class/drm', async () => {
    const proc = await hardwareInfo(
      machine({ files: { '/proc/driver/nvidia/gpus/0000:01:00.0/information': 'Model: \t\t NVIDIA GeForce RTX 3060\nIRQ: 1\n' } }),
    );
    assert.deepEqual(proc.gpus[0], { name: 'NVIDIA GeForce RTX 3060', vendor: 'nvidia', memoryBytes: null, source: '/proc/driver/nvidia' });
    const drm = await hardwareInfo(
      machine({ files: { '/sys/class/drm/card0/device/vendor': '0x1002\n', '/sys/class/drm/card0/device/mem_info_vram_total': '17163091968\n' } }),
    );
    assert.equal(drm.gpus[0]?.vendor, 'amd');
    assert.equal(drm.gpus[0]?.memoryBytes, 17163091968);
  });

  it('says why CUDA is not usable, one missing piece at a time', async () => {
    const gpu = 'NVIDIA RTX 4090, 24564';
    assert.match(cuda(await hardwareInfo(machine({})))?.reason ?? '', /no NVIDIA GPU found/);
    assert.match(
      cuda(await hardwareInfo(machine({ smi: gpu })))?.reason ?? '',
      /libonnxruntime_providers_cuda\.so is not installed: run `npm run install:cuda`/,
    );
    assert.match(cuda(await hardwareInfo(machine({ smi: gpu, providerLibs: true })))?.reason ?? '', /driver library libcuda\.so\.1/);
    assert.match(
      cuda(await hardwareInfo(machine({ smi: gpu, providerLibs: true, libs: ['libcuda.so.1', 'libcudart.so.12'] })))?.reason ?? '',
      /missing CUDA 12 libraries: libcublas\.so\.12, libcublasLt\.so\.12, libcufft\.so\.11, libcudnn\.so\.9/,
    );
    const ready = await hardwareInfo(machine({ smi: gpu, providerLibs: true, libs: CUDA }));
    assert.equal(cuda(ready)?.usable, true);
    assert.match(ready.providers.find((p) => p.name === 'tensorrt')?.reason ?? '', /libnvinfer\.so\.10/);
    assert.equal(ready.providers.find((p) => p.name === 'cpu')?.usable, true);
  });

  it('estimates memory fit on GPU, CPU or not at all', async () => {
    const gpuBox = await hardwareInfo(machine({ smi: 'NVIDIA RTX 4090, 24564', providerLibs: true, libs: CUDA }));
    const model = { sizeBytes: 17e9, memory: { ramBytes: 22e9, vramBytes: 19e9 } };
    assert.equal(estimateFit(model, gpuBox).verdict, 'gpu');
    const small = { ...gpuBox, gpus: [{ ...gpuBox.gpus[0], memoryBytes: 8e9 } as (typeof gpuBox.gpus)[0]], ram: { totalBytes: 32e9, freeBytes: 4e9 } };
    const cpu = estimateFit(model, small);
    assert.equal(cpu.verdict, 'cpu');
    assert.match(cpu.reason, /needs 19\.0 GB of GPU memory, 8\.0 GB found.*only 4\.0 GB free now/);
    assert.equal(estimateFit(model, { ...small, ram: { totalBytes: 16e9, freeBytes: 8e9 } }).verdict, 'too-big');
    assert.equal(estimateFit({ sizeBytes: 1e9 }, small).needRamBytes, 1.6e9, 'rule of thumb without catalog figures');
  });
});
