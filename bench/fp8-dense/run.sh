#!/usr/bin/env bash
# Build the sm90 FP8 GEMM launcher library and run the dense FP8 benchmark (on the GPU host).
#   bash bench/fp8-dense/run.sh            # writes $OUT/<gpu>-fp8-dense-<date>.json
# GK_FP8_LIB=<library from build.sh> skips the build (build.sh also works on a host without a GPU; the library
# then travels). GK_BASE=<older fp8_gemm_sm90.cu> adds each tile built from it as `<tag>_base` to the tuning
# table (before/after in one run).
set -euo pipefail
cd "$(dirname "$0")"
OUT=${OUT:-/tmp}
# tag bm bn stages cluster: the tiles chooseSm90Config picks; stages = what fits next to the epilogue staging
TILES=("bm128_bn128_c1 128 128 5 1" "bm128_bn192_c1 128 192 4 1" "bm64_bn128_c1 64 128 8 1"
  "bm64_bn64_c1 64 64 8 1" "bm128_bn64_c1 128 64 8 1")
if [ -z "${GK_FP8_LIB:-}" ]; then
  GK_FP8_LIB=$PWD/.cache/gk_fp8_sm90.so
  specs=("${TILES[@]}")
  if [ -n "${GK_BASE:-}" ]; then
    for t in "${TILES[@]}"; do
      read -r tag bm bn _ cl <<<"$t"
      specs+=("${tag}_base $bm $bn $(python3 -c "print(min(8, (227 * 1024 - 2112) // ($bm * 132 + $bn * 128)))") $cl -DKERNEL_SRC=\"$GK_BASE\" -DKERNEL_EXTRA_ARGS=")
    done
  fi
  bash build.sh "$GK_FP8_LIB" "${specs[@]}"
fi
GIT_COMMIT=$(bash ../common/commit.sh) GK_FP8_LIB=$GK_FP8_LIB PYTHONUNBUFFERED=1 python3 bench.py
