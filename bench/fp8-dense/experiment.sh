#!/usr/bin/env bash
# Kernel-variant A/B on chosen shapes (GPU host, or build here and carry .cache): the kernel as committed
# against itself with -D switches, and against an older copy (GK_BASE, e.g. `git show <rev>:<kernel path>`).
#   GK_BASE=.cache/base_kernel.cu GK_SHAPES=4096x7168x16384,4096x32768x512 bash experiment.sh
set -euo pipefail
cd "$(dirname "$0")"
specs=("bm128_bn128_c1 128 128 5 1"
  "bm128_bn128_c1_noearly 128 128 5 1 -DEARLY_ISSUE=0"
  "bm128_bn128_c1_noepi 128 128 6 1 -DEPI_SMEM=0"
  "bm128_bn128_c1_ahead 128 128 5 1 -DSFB_AHEAD=1"
  "bm128_bn128_c1_g16 128 128 5 1 -DGROUP_M=16"
  "bm128_bn192_c1 128 192 4 1")
tags=bm128_bn128_c1,bm128_bn128_c1_noearly,bm128_bn128_c1_noepi,bm128_bn128_c1_ahead,bm128_bn128_c1_g16,bm128_bn192_c1
if [ -n "${GK_BASE:-}" ]; then
  specs+=("bm128_bn128_c1_base 128 128 6 1 -DKERNEL_SRC=\"$GK_BASE\"")
  tags+=,bm128_bn128_c1_base
fi
bash build.sh .cache/gk_fp8_exp.so "${specs[@]}"
GK_FP8_LIB=$PWD/.cache/gk_fp8_exp.so GK_TAGS=$tags \
  GK_SHAPES=${GK_SHAPES:-4096x7168x16384,4096x4096x7168,4096x32768x512} PYTHONUNBUFFERED=1 python3 bench.py
