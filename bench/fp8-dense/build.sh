#!/usr/bin/env bash
# Build launcher variants into one shared library (no libcuda needed at link time: works on a host without a
# driver, and the library then travels to the GPU host).
#   bash build.sh OUT.so "tag bm bn stages cluster [defines...]" ...
set -euo pipefail
cd "$(dirname "$0")"
lib=$1
shift
mkdir -p .cache
objs=()
for spec in "$@"; do
  read -r tag bm bn st cl defs <<<"$spec"
  nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -Xcompiler -fPIC -c launch_sm90.cu \
    -DLAUNCH_NAME="$tag" -DBLOCK_M="$bm" -DBLOCK_N="$bn" -DSTAGES="$st" -DCLUSTER="$cl" -DOUT_KIND=0 $defs \
    -Xptxas -v -o ".cache/gk_$tag.o" 2>".cache/gk_$tag.log" || { cat ".cache/gk_$tag.log"; exit 1; }
  echo "$tag: $(grep -E 'registers' ".cache/gk_$tag.log" | head -1 | sed 's/.*Used//') $(grep -oE '[0-9]+ bytes spill stores' ".cache/gk_$tag.log" | head -1)"
  objs+=(".cache/gk_$tag.o")
done
nvcc -shared -o "$lib" "${objs[@]}"
