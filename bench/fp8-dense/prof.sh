#!/usr/bin/env bash
# Nsight Compute profile of one variant on one shape (GPU host): GK_FP8_LIB, GK_TAG, GK_SHAPE; writes $OUT/<name>.txt
set -uo pipefail
cd "$(dirname "$0")"
name=$1
NCU=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
"$NCU" --clock-control none -k regex:kernel_ --launch-skip 3 --launch-count 1 \
  --section SpeedOfLight --section ComputeWorkloadAnalysis --section SchedulerStats --section WarpStateStats \
  --section MemoryWorkloadAnalysis --section SourceCounters --import-source no -f -o "/tmp/$name" python3 profile.py >"$OUT/$name.log" 2>&1
"$NCU" -i "/tmp/$name.ncu-rep" --page details >"$OUT/$name.txt" 2>&1
"$NCU" -i "/tmp/$name.ncu-rep" --page source --csv --print-source sass >"$OUT/$name.sass.csv" 2>>"$OUT/$name.log"
tail -3 "$OUT/$name.log"
