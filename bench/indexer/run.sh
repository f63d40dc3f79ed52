#!/usr/bin/env bash
# Build the sm90 lightning-indexer launcher library and run the indexer benchmark (on the GPU host).
#   bash bench/indexer/run.sh            # writes $OUT/<gpu>-indexer-<date>.json and prints a table last
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
    -DLAUNCH_NAME="$tag" "$@" -Xptxas -v -o "/tmp/gk_idx_$tag.o" 2>"/tmp/gk_idx_$tag.log" &
  objs+=("/tmp/gk_idx_$tag.o")
  tags+=("$tag")
}
# decode (paged): N = nextN x H query rows per wgmma, 16-stage KV ring
build p_h64_n1_b64 -DMODE=0 -DHEADS=64 -DNQ=1 -DBLOCK_KV=64 -DSTAGES=16
build p_h64_n2_b64 -DMODE=0 -DHEADS=64 -DNQ=2 -DBLOCK_KV=64 -DSTAGES=16
build p_h32_n1_b64 -DMODE=0 -DHEADS=32 -DNQ=1 -DBLOCK_KV=64 -DSTAGES=16
build p_h32_n2_b64 -DMODE=0 -DHEADS=32 -DNQ=2 -DBLOCK_KV=64 -DSTAGES=16
build p_h64_n1_b32 -DMODE=0 -DHEADS=64 -DNQ=1 -DBLOCK_KV=32 -DSTAGES=16
# prefill (non-paged): 4 query rows x 64 heads = 256 columns, 10-stage ring
build f_h64 -DMODE=1 -DHEADS=64 -DNQ=4 -DSTAGES=10
wait
for t in "${tags[@]}"; do
  if [ ! -s "/tmp/gk_idx_$t.o" ]; then cat "/tmp/gk_idx_$t.log"; exit 1; fi
  echo "== $t" >>"$OUT/ptxas.log"
  cat "/tmp/gk_idx_$t.log" >>"$OUT/ptxas.log"
done
grep -E "registers|spill" "$OUT/ptxas.log" | sort | uniq -c
nvcc -shared -o /tmp/gk_indexer_sm90.so "${objs[@]}" -lcuda
[ "${GK_BUILD_ONLY:-0}" = 1 ] && exit 0
GIT_COMMIT=$(bash ../common/commit.sh) GK_IDX_LIB=/tmp/gk_indexer_sm90.so \
  PYTHONUNBUFFERED=1 timeout "${GK_TIMEOUT_S:-215}" python3 bench.py
