#!/usr/bin/env bash
# Run ON the GPU host from the repo root with .gpu-bundle carried (no Node, no network there):
#   bash scripts/gpu-tier.sh [--quick] [--only=runtime,jit,conformance,bench] [--deadline-s=N]
#   bash scripts/gpu-tier.sh --backend=webgpu      # the conformance matrix on WebGPU (Dawn, Vulkan) instead
# Checks the CUDA bindings/runtime/JIT, runs the CUDA conformance + bad-input matrix (@gemmkit/core/conformance)
# and a short bench; writes JSON + logs under $OUT (default ./test-output/gpu-tier).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/test-output/gpu-tier}"
mkdir -p "$OUT"
# shellcheck source=/dev/null
source scripts/gpu-tier-setup.sh || exit 1
APP=.gpu-bundle/app
# Use the runner from the working tree when it travelled (it may be newer than the bundle's copy).
for f in scripts/gpu-tier*.mjs; do cp "$f" "$APP/"; done
{
  echo "## host"; uname -a; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | head -3
  ldconfig -p | grep -E 'libcuda\.so|libnvrtc|libcublasLt' | head -10
} > "$OUT/host.txt" 2>&1
LOG=gpu-tier.log
for a in "$@"; do case "$a" in --backend=*) LOG="gpu-tier-${a#--backend=}.log" ;; esac; done
node "$APP/gpu-tier-run.mjs" --out "$OUT" "$@" 2>&1 | tee "$OUT/$LOG"
exit "${PIPESTATUS[0]}"
