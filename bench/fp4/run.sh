#!/usr/bin/env bash
# Build the sm90 FP4 GEMM launcher library and run the FP4 benchmark (on the GPU host).
#   bash bench/fp4/run.sh            # writes $OUT/<gpu>-fp4-<date>.json and prints a table last
set -euo pipefail
cd "$(dirname "$0")"
OUT=${OUT:-/tmp}
mkdir -p "$OUT"
: >"$OUT/ptxas.log"
objs=()
tags=()
build() { # tag defines...
  local tag=$1
  shift
  nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -Xcompiler -fPIC -c launch_sm90.cu \
    -DLAUNCH_NAME="$tag" "$@" -Xptxas -v -o "/tmp/gk_fp4_$tag.o" 2>"/tmp/gk_fp4_$tag.log" &
  objs+=("/tmp/gk_fp4_$tag.o")
  tags+=("$tag")
}
# W4A16, swap-AB (small M): X = FP4 weight (BM rows of N), Y = bf16 activation (BN rows of M); the weight is
# decoded straight into wgmma A registers (XREG, as the library's launcher builds it)
build s_bm128_bn8 -DBM=128 -DBN=8 -DX_FP4=1 -DY_FP4=0 -DSWAP=1 -DXREG=1
build s_bm128_bn16 -DBM=128 -DBN=16 -DX_FP4=1 -DY_FP4=0 -DSWAP=1 -DXREG=1
build s_bm128_bn64 -DBM=128 -DBN=64 -DX_FP4=1 -DY_FP4=0 -DSWAP=1 -DXREG=1
build s_bm64_bn8 -DBM=64 -DBN=8 -DX_FP4=1 -DY_FP4=0 -DSWAP=1 -DXREG=1
build s_bm64_bn16 -DBM=64 -DBN=16 -DX_FP4=1 -DY_FP4=0 -DSWAP=1 -DXREG=1
build s_bm128_bn16_mx -DBM=128 -DBN=16 -DX_FP4=1 -DY_FP4=0 -DSWAP=1 -DMX=1 -DXREG=1
# W4A16, large M: X = bf16 activation, Y = FP4 weight
build n_bm128_bn128 -DBM=128 -DBN=128 -DX_FP4=0 -DY_FP4=1
build n_bm128_bn64 -DBM=128 -DBN=64 -DX_FP4=0 -DY_FP4=1
build n_bm128_bn64_mx -DBM=128 -DBN=64 -DX_FP4=0 -DY_FP4=1 -DMX=1
# NVFP4 x NVFP4
build f_bm128_bn128 -DBM=128 -DBN=128 -DX_FP4=1 -DY_FP4=1
# GK_EXPERIMENT=1: also the swap-AB variants with the previous decode (bf16 tiles in shared memory, XREG=0),
# checked bitwise against the default kernel and timed next to it (`experiment` in the result rows).
if [ "${GK_EXPERIMENT:-0}" = 1 ]; then
  build x_bm128_bn8 -DBM=128 -DBN=8 -DX_FP4=1 -DY_FP4=0 -DSWAP=1 -DXREG=0
  build x_bm128_bn16 -DBM=128 -DBN=16 -DX_FP4=1 -DY_FP4=0 -DSWAP=1 -DXREG=0
  build x_bm128_bn64 -DBM=128 -DBN=64 -DX_FP4=1 -DY_FP4=0 -DSWAP=1 -DXREG=0
  build x_bm128_bn16_mx -DBM=128 -DBN=16 -DX_FP4=1 -DY_FP4=0 -DSWAP=1 -DMX=1 -DXREG=0
fi
wait
for t in "${tags[@]}"; do
  if [ ! -s "/tmp/gk_fp4_$t.o" ]; then cat "/tmp/gk_fp4_$t.log"; exit 1; fi
  echo "== $t" >>"$OUT/ptxas.log"
  cat "/tmp/gk_fp4_$t.log" >>"$OUT/ptxas.log"
done
grep -E "registers|spill" "$OUT/ptxas.log" | sort | uniq -c
nvcc -shared -o /tmp/gk_fp4_sm90.so "${objs[@]}" -lcuda
[ "${GK_BUILD_ONLY:-0}" = 1 ] && exit 0
GIT_COMMIT=$(bash ../common/commit.sh) GK_FP4_LIB=/tmp/gk_fp4_sm90.so \
  GK_TAGS=$(IFS=,; echo "${tags[*]}") PYTHONUNBUFFERED=1 python3 bench.py
