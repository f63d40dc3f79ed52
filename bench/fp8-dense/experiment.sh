#!/usr/bin/env bash
# Kernel-variant experiments on large shapes (GPU host): cluster/multicast and rasterization group size.
set -euo pipefail
cd "$(dirname "$0")"
OUT=${OUT:-/tmp}
objs=()
build() { # tag bm bn stages cluster extra-defines
  nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -Xcompiler -fPIC -c launch_sm90.cu \
    -DLAUNCH_NAME=$1 -DBLOCK_M=$2 -DBLOCK_N=$3 -DSTAGES=$4 -DCLUSTER=$5 $6 -DOUT_KIND=0 -o /tmp/gk_$1.o &
  objs+=(/tmp/gk_$1.o)
}
build bm128_bn128_c1 128 128 6 1 ""
build bm128_bn128_c1_g4 128 128 6 1 "-DGROUP_M=4"
build bm128_bn128_c1_g16 128 128 6 1 "-DGROUP_M=16"
build bm128_bn128_c2_mc 128 128 6 2 "-DMULTICAST=1"
build bm128_bn128_c2_nomc 128 128 6 2 "-DMULTICAST=0"
build bm128_bn192_c2_mc 128 192 5 2 "-DMULTICAST=1"
wait
nvcc -shared -o /tmp/gk_fp8_exp.so "${objs[@]}" -lcuda
GK_FP8_LIB=/tmp/gk_fp8_exp.so GK_TAGS=bm128_bn128_c1,bm128_bn128_c1_g4,bm128_bn128_c1_g16,bm128_bn128_c2_mc,bm128_bn128_c2_nomc,bm128_bn192_c2_mc \
  GK_SHAPES=${GK_SHAPES:-4096x7168x16384,4096x4096x7168,8192x24576x1536} PYTHONUNBUFFERED=1 python3 bench.py
