#!/usr/bin/env bash
# Run ON the GPU host from the repo root with .gpu-bundle carried (no Node, no network there):
#   bash scripts/gpu-tier.sh [--quick] [--only=runtime,jit,conformance,badinput,bench] [--ops=a,b] [--deadline-s=N]
#   bash scripts/gpu-tier.sh --backend=webgpu      # conformance + bad-input matrices on WebGPU (Dawn, Vulkan)
#   bash scripts/gpu-tier.sh --sanitize            # the badinput section under compute-sanitizer memcheck
# Checks the CUDA bindings/runtime/JIT, runs the CUDA conformance and bad-input matrices
# (@gemmkit/core/conformance; a cpu-checked liveness probe after every bad-input case) and a short bench;
# writes JSON + logs under $OUT (default ./test-output/gpu-tier):
#   gpu-tier.json / gpu-tier-webgpu.json, gpu-tier-sanitize.json (+ sanitizer-memcheck.log), host.txt, *.log
# --sanitize: leak check off, JIT-compiled kernels allowed (the NVRTC cache dir is shared); default
# --only=badinput and --deadline-s=420 (the runner stops starting cases then and saves), the whole
# sanitized process is killed at 560 s; the sanitizer's verdict (error count from its summary line) is
# written into the JSON as `sanitizer`. Turn results into bench/results files here with
# `node scripts/gpu-results.mjs <fetched $OUT>`.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/test-output/gpu-tier}"
mkdir -p "$OUT"
# shellcheck source=/dev/null
source scripts/gpu-tier-setup.sh || exit 1
APP=.gpu-bundle/app
# Use the runner from the working tree when it travelled (it may be newer than the bundle's copy).
for f in scripts/gpu-tier*.mjs; do cp "$f" "$APP/"; done
{
  echo "## host"; uname -a; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | head -3
  ldconfig -p | grep -E 'libcuda\.so|libnvrtc|libcublasLt' | head -10
} > "$OUT/host.txt" 2>&1

sanitize=0 backend=cuda has_only=0 has_deadline=0 args=()
for a in "$@"; do
  case "$a" in
    --sanitize) sanitize=1; continue ;;
    --backend=*) backend="${a#--backend=}" ;;
    --only=* | --only) has_only=1 ;;
    --deadline-s=* | --deadline-s) has_deadline=1 ;;
  esac
  args+=("$a")
done

if [ "$sanitize" = 0 ]; then
  LOG=gpu-tier.log
  [ "$backend" = cuda ] || LOG="gpu-tier-$backend.log"
  node "$APP/gpu-tier-run.mjs" --out "$OUT" "${args[@]}" 2>&1 | tee "$OUT/$LOG"
  exit "${PIPESTATUS[0]}"
fi

# ---- --sanitize ----------------------------------------------------------------------------------
if [ "$backend" != cuda ]; then
  echo "gpu-tier: --sanitize checks CUDA kernels; it does not apply to --backend=$backend" >&2
  exit 2
fi
SAN="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
if [ ! -x "$SAN" ]; then
  echo "gpu-tier: compute-sanitizer not found (PATH, /usr/local/cuda/bin)" >&2
  exit 2
fi
[ "$has_only" = 1 ] || args+=(--only=badinput)
[ "$has_deadline" = 1 ] || args+=(--deadline-s=420)
SAN_LOG="$OUT/sanitizer-memcheck.log"
RESULTS=gpu-tier-sanitize.json
rm -f "$SAN_LOG" "$OUT/$RESULTS"
"$SAN" --version > "$OUT/sanitizer-version.txt" 2>&1
# --error-exitcode 86 tells sanitizer findings apart from failed checks (1) and the timeout (124/137).
timeout -k 15 560 "$SAN" --tool memcheck --leak-check no --error-exitcode 86 --log-file "$SAN_LOG" \
  node "$APP/gpu-tier-run.mjs" --out "$OUT" --results="$RESULTS" "${args[@]}" 2>&1 | tee "$OUT/gpu-tier-sanitize.log"
rc=${PIPESTATUS[0]}
node "$APP/gpu-tier-run.mjs" --sanitizer-verdict "$OUT/$RESULTS" "$SAN_LOG" "$rc" "$OUT/sanitizer-version.txt"
vrc=$?
[ "$rc" = 0 ] && exit "$vrc"
exit "$rc"
