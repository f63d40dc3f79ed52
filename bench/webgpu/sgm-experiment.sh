#!/usr/bin/env bash
# Subgroup-matrix GEMM variants vs the f32 family on the GPU host (bench/webgpu/sgm-experiment.mjs):
#   bash scripts/gpu-bundle.sh    # here, before carrying .gpu-bundle
#   GEMMKIT_WEBGPU_SGM_TILE=16x16,64x64,128x128 OUT=... bash bench/webgpu/sgm-experiment.sh [--iters N] [--quick]
# Bounded by `timeout 280`; the JSON (rows written as they finish) lands in $OUT/webgpu-sgm.json.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/test-output/gpu-tier}"
mkdir -p "$OUT"
if ! command -v node >/dev/null || [ -z "${GEMMKIT_CACHE_DIR:-}" ]; then
  # shellcheck source=/dev/null
  source scripts/gpu-tier-setup.sh || exit 1
fi
APP="${GPU_BUNDLE:-$PWD/.gpu-bundle}/app"
# It imports @gemmkit/*: run it from inside the bundle's app/ (its node_modules); the working-tree copy wins.
SRC=bench/webgpu/sgm-experiment.mjs
[ -f "$SRC" ] || SRC="$APP/bench/sgm-experiment.mjs"
cp "$SRC" "$APP/sgm-experiment.mjs" 2>/dev/null || true
timeout -k 10 280 node "$APP/sgm-experiment.mjs" --out "$OUT/webgpu-sgm.json" "$@" 2>&1 | tee "$OUT/webgpu-sgm.log"
exit "${PIPESTATUS[0]}"
