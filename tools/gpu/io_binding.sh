#!/bin/sh
# The IO-binding check on a machine with an NVIDIA GPU: the key/value cache kept in device memory between steps
# against the same cache copied through the host, prefix and dual, same tokens required (bench/io-binding.bench.ts).
# Needs onnxruntime-node's CUDA provider next to its binding (`npm run install:cuda`, which downloads it: run that
# where the network is reachable, before the GPU session), and nvidia-smi for the record of the card.
#   sh tools/gpu/io_binding.sh [ROUNDS]
set -e
cd "$(dirname "$0")/../.."
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
ls node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so >/dev/null || {
  echo "the CUDA provider is not installed: run npm run install:cuda first" >&2
  exit 2
}
npx tsx bench/io-binding.bench.ts --provider cuda --rounds "${1:-20}"
npx tsx bench/io-binding.bench.ts --provider cpu --rounds "${1:-20}"
