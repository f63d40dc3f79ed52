#!/usr/bin/env bash
# Build the sm90 grouped FP8 GEMM launcher library and run the MoE grouped benchmark (on the GPU host).
#   bash bench/moe-grouped/run.sh        # writes $OUT/<gpu>-moe-grouped-<date>.json (+ ptxas.log)
# GK_BUDGET_S (default 195): seconds after the start of this script after which no new shape is started.
set -euo pipefail
cd "$(dirname "$0")"
export GK_T0=$(date +%s)
OUT=${OUT:-/tmp}
export OUT
B=${TMPDIR:-/tmp}/gk_grouped
mkdir -p "$B"
: >"$OUT/ptxas.log"
objs=()
build() { # tag mode bm bn stages helpers
  nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -Xcompiler -fPIC -c launch_grouped.cu \
    -DLAUNCH_NAME=$1 -DMODE=$2 -DBLOCK_M=$3 -DBLOCK_N=$4 -DSTAGES=$5 -DGK_HELPERS=$6 -DOUT_KIND=0 -Xptxas -v \
    -o "$B/$1.o" 2>"$OUT/ptxas-$1.log" &
  objs+=("$B/$1.o")
}
build c_bm128_bn128 1 128 128 6 1
build c_bm128_bn192 1 128 192 5 0
build m_bm128_bn128 2 128 128 6 0
build m_bm64_bn128 2 64 128 8 0
wait
cat "$OUT"/ptxas-*.log >>"$OUT/ptxas.log"
grep -E "Compiling entry|registers|spill" "$OUT/ptxas.log" | paste - - - | sed 's/ptxas info *: //g' | sort | uniq
nvcc -shared -o "$B/gk_grouped_sm90.so" "${objs[@]}" -lcuda
echo "built in $(($(date +%s) - GK_T0)) s"
GIT_COMMIT=$(bash ../common/commit.sh) GK_GROUPED_LIB="$B/gk_grouped_sm90.so" \
  PYTHONUNBUFFERED=1 python3 bench.py
