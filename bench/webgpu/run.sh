#!/usr/bin/env bash
# WebGPU GEMM benchmark on the GPU host, with its cuBLAS peer and ceilings measured in the same run:
#   source scripts/gpu-tier-setup.sh && bash bench/webgpu/run.sh      # (run.sh sources it too if needed)
#   ITERS=10 QUICK=0 OUT=... bash bench/webgpu/run.sh
# 1. packages/backend-webgpu/bench/webgpu-gemm.mjs (Dawn on the NVIDIA Vulkan driver) → $OUT/webgpu-raw.json
# 2. bench/webgpu/peer.py: torch.matmul bf16 on the same shapes + HBM copy / 8192^3 bf16 ceilings → $OUT/webgpu-peer.json
# 3. bench/webgpu/merge.mjs → $OUT/webgpu-gemm.json (BENCH_RESULTS.md format) and a table, printed last.
# Scripts come from the working tree when it travelled, else from the bundle (.gpu-bundle/app/bench).
# Bounded: the WebGPU part is killed after BENCH_S (330) s, the peer after PEER_S (150) s; about 3 min in
# all on an H100 with ITERS=10.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/test-output/gpu-tier}"
ITERS="${ITERS:-10}"
mkdir -p "$OUT"
if ! command -v node >/dev/null || [ -z "${GEMMKIT_CACHE_DIR:-}" ]; then
  # shellcheck source=/dev/null
  source scripts/gpu-tier-setup.sh || exit 1
fi
APP="${GPU_BUNDLE:-$PWD/.gpu-bundle}/app"
pick() { # working-tree copy, else the bundle's
  if [ -f "$1" ]; then echo "$1"; else echo "$APP/bench/$(basename "$1")"; fi
}
# The bench imports @gemmkit/*: it must run from inside the bundle's app/ (its node_modules).
cp "$(pick packages/backend-webgpu/bench/webgpu-gemm.mjs)" "$APP/webgpu-gemm.mjs" 2>/dev/null || true
PEER="$(pick bench/webgpu/peer.py)"
MERGE="$(pick bench/webgpu/merge.mjs)"
extra=()
[ "${QUICK:-0}" = 1 ] && extra+=(--quick)
[ "${TINY:-0}" = 1 ] && extra+=(--tiny)

echo "== WebGPU GEMM (iters $ITERS)"
rm -f "$OUT/webgpu-raw.json" "$OUT/webgpu-peer.json"
timeout -k 10 "${BENCH_S:-330}" node "$APP/webgpu-gemm.mjs" --iters "$ITERS" --out "$OUT/webgpu-raw.json" "${extra[@]}" 2>&1 |
  tee "$OUT/webgpu-bench.log"
rc=${PIPESTATUS[0]}
if [ ! -f "$OUT/webgpu-raw.json" ]; then
  echo "bench/webgpu: the WebGPU bench wrote no report (exit $rc); see $OUT/webgpu-bench.log" >&2
  exit 1
fi

echo "== cuBLAS peer + ceilings"
# shellcheck disable=SC2086 # PEER_ARGS: optional flags (e.g. --allow-cpu for a smoke run without CUDA)
timeout -k 10 "${PEER_S:-150}" "${PYTHON:-python3}" "$PEER" "$OUT/webgpu-raw.json" "$OUT/webgpu-peer.json" ${PEER_ARGS:-} 2>&1 |
  tee "$OUT/webgpu-peer.log"
prc=${PIPESTATUS[0]}
[ $prc = 0 ] || echo "bench/webgpu: peer.py failed (exit $prc): the merge keeps the WebGPU numbers" >&2

node "$MERGE" "$OUT/webgpu-raw.json" "$OUT/webgpu-peer.json" "$OUT/webgpu-gemm.json" \
  --commit-file "${GPU_BUNDLE:-$PWD/.gpu-bundle}/commit"
mrc=$?
[ $rc = 0 ] && [ $prc = 0 ] && exit $mrc
exit 1
