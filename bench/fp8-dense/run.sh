#!/usr/bin/env bash
# Build the sm90 FP8 GEMM launcher library and run the dense FP8 benchmark (on the GPU host).
#   bash bench/fp8-dense/run.sh            # writes $OUT/<gpu>-fp8-dense-<date>.json
set -euo pipefail
cd "$(dirname "$0")"
OUT=${OUT:-/tmp}
objs=()
build() { # tag bm bn stages cluster
  nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -Xcompiler -fPIC -c launch_sm90.cu \
    -DLAUNCH_NAME=$1 -DBLOCK_M=$2 -DBLOCK_N=$3 -DSTAGES=$4 -DCLUSTER=$5 -DOUT_KIND=0 -Xptxas -v -o /tmp/gk_$1.o 2>>"$OUT/ptxas.log" &
  objs+=(/tmp/gk_$1.o)
}
build bm128_bn128_c1 128 128 6 1
build bm128_bn128_c2 128 128 6 2
build bm128_bn192_c1 128 192 5 1
build bm128_bn192_c2 128 192 5 2
build bm64_bn128_c1 64 128 8 1
build bm64_bn64_c1 64 64 8 1
build bm128_bn64_c1 128 64 8 1
wait
grep -E "registers|spill" "$OUT/ptxas.log" | sort | uniq -c | head -20
nvcc -shared -o /tmp/gk_fp8_sm90.so "${objs[@]}" -lcuda
GK_FP8_LIB=/tmp/gk_fp8_sm90.so PYTHONUNBUFFERED=1 python3 bench.py
