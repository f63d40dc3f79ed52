#!/usr/bin/env bash
# Run ON the GPU host from the repo root with .gpu-bundle carried (no Node, no network there):
#   bash scripts/gpu-tier.sh [--quick] [--only=runtime,jit,conformance,badinput,bench] [--ops=a,b] [--deadline-s=N]
#   bash scripts/gpu-tier.sh --backend=webgpu      # conformance + bad-input matrices on WebGPU (Dawn, Vulkan)
#   bash scripts/gpu-tier.sh --sanitize            # the badinput section under compute-sanitizer memcheck
#   bash scripts/gpu-tier.sh --all                 # all of the above + bench/webgpu/run.sh, in ~9.5 min
# Checks the CUDA bindings/runtime/JIT, runs the CUDA conformance and bad-input matrices
# (@gemmkit/core/conformance; a cpu-checked liveness probe after every bad-input case) and a short bench;
# writes JSON + logs under $OUT (default ./test-output/gpu-tier):
#   gpu-tier.json / gpu-tier-webgpu.json, gpu-tier-sanitize.json (+ sanitizer-memcheck.log), host.txt, *.log
# --sanitize: leak check off, JIT-compiled kernels allowed (the NVRTC cache dir is shared); default
# --only=badinput, --validate=fast (bad index data reaches the kernels) and --deadline-s=420 (the runner stops starting cases then and saves), the whole
# sanitized process is killed at SAN_TIMEOUT_S (560) s; the sanitizer's verdict (error count from its summary line) is
# written into the JSON as `sanitizer`.
# --all: one call for every result file: the CUDA run, the WebGPU run, the sanitized bad-input run, the
# WebGPU GEMM bench (webgpu-gemm.json), host launch µs (launch.json) the fused MoE layer (moe-layer.json) and bmmFp8's opt-in Hopper route vs cuBLASLt (bmm-route/), each step bounded so the whole fits ALL_BUDGET_S (default 570 s);
# a step with too little time left is skipped and said so. Other options (--ops, --quick) go to each run. Per-step exit codes go to $OUT/all-steps.txt,
# and everything under $OUT into $OUT/all.tgz (unpack it, then run gpu-results.mjs on the folder).
# Then, on the machine with the repo: `node scripts/gpu-results.mjs <fetched $OUT>` writes bench/results/.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/test-output/gpu-tier}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)" # absolute: some steps run from the bundle's app/
# shellcheck source=/dev/null
source scripts/gpu-tier-setup.sh || exit 1
APP=.gpu-bundle/app
# Use the runner from the working tree when it travelled (it may be newer than the bundle's copy).
for f in scripts/gpu-tier*.mjs; do cp "$f" "$APP/"; done
{
  echo "## host"; uname -a; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | head -3
  ldconfig -p | grep -E 'libcuda\.so|libnvrtc|libcublasLt' | head -10
} > "$OUT/host.txt" 2>&1

sanitize=0 all=0 backend=cuda has_only=0 has_deadline=0 has_validate=0 args=()
for a in "$@"; do
  case "$a" in
    --sanitize) sanitize=1; continue ;;
    --all) all=1; continue ;;
    --backend=*) backend="${a#--backend=}" ;;
    --only=* | --only) has_only=1 ;;
    --deadline-s=* | --deadline-s) has_deadline=1 ;;
    --validate=*) has_validate=1 ;;
  esac
  args+=("$a")
done

if [ "$all" = 1 ]; then
  T0=$SECONDS BUDGET="${ALL_BUDGET_S:-570}" worst=0
  : > "$OUT/all-steps.txt"
  left() { echo $((BUDGET - (SECONDS - T0))); }
  # step <name> <cap s> <min s> <command...>: run with a kill at min(cap, time left); skip under min.
  step() {
    local name=$1 cap=$2 min=$3 l rc
    shift 3
    l=$(left)
    [ "$cap" -le "$l" ] || cap=$l
    if [ "$cap" -lt "$min" ]; then
      echo "== $name: skipped ($l s left)" | tee -a "$OUT/all-steps.txt"
      worst=1
      return
    fi
    echo "== $name (at most $cap s)"
    STEP_S=$cap timeout -k 10 "$cap" "$@"
    rc=$?
    echo "$name: exit $rc after $((SECONDS - T0)) s" >> "$OUT/all-steps.txt"
    [ $rc = 0 ] || worst=1
  }
  # Each runner stops starting checks 25 s before its step's kill, so its JSON is complete.
  step cuda 200 60 bash -c 'bash scripts/gpu-tier.sh --deadline-s=$((STEP_S - 25)) "$@"' _ "${args[@]}"
  step webgpu 100 40 bash -c 'bash scripts/gpu-tier.sh --backend=webgpu --deadline-s=$((STEP_S - 25)) "$@"' _ "${args[@]}"
  # The sanitized process is killed 30 s before the step so the verdict is still written.
  step sanitize 160 60 bash -c 'SAN_TIMEOUT_S=$((STEP_S - 30)) bash scripts/gpu-tier.sh --sanitize --deadline-s=$((STEP_S - 50)) "$@"' _ "${args[@]}"
  # The bench's own kills (each + 10 s grace) fit inside the step: the WebGPU part, then 50 s for the peer.
  step webgpu-bench 480 120 bash -c 'BENCH_S=$((STEP_S - 75)) PEER_S=50 bash bench/webgpu/run.sh'
  # Host µs per op launch (issue goal < 10 µs) and the fused MoE layer at Hopper size (vs cpu and float64).
  step launch 90 30 bash -c 'cd "$1" && node --expose-gc gpu-tier-launch.mjs --out "$2/launch.json" 2>&1 | tee "$2/launch.log"; exit "${PIPESTATUS[0]}"' _ "$APP" "$OUT"
  # bmmFp8's opt-in Hopper route (GEMMKIT_SM90_BMM_FP8=1): its conformance, then both routes timed (src/ops/sm90/bmm-fp8-sm90.ts).
  step bmm-route 200 40 bash -c 'mkdir -p "$2/bmm-route" && OUT="$2/bmm-route" GEMMKIT_SM90_BMM_FP8=1 bash scripts/gpu-tier.sh --only=conformance --ops=bmmFp8 --deadline-s=40 && cd "$1" && GEMMKIT_SM90_BMM_FP8=1 node gpu-tier-bmm-route.mjs --out "$2/bmm-route/sm90.json" && GEMMKIT_CUDA_SM90=0 node gpu-tier-bmm-route.mjs --out "$2/bmm-route/cublaslt.json"' _ "$APP" "$OUT"
  step moe-layer 150 45 bash -c 'cd "$1" && node gpu-tier-moe.mjs --backend cuda --out "$2/moe-layer.json" 2>&1 | tee "$2/moe-layer.log"; exit "${PIPESTATUS[0]}"' _ "$APP" "$OUT"
  echo "== all steps ($((SECONDS - T0)) s):"
  cat "$OUT/all-steps.txt"
  # One archive of everything: the device tool brings back only a few files per call.
  tar czf /tmp/gpu-tier-all.tgz -C "$OUT" --exclude=all.tgz . && mv /tmp/gpu-tier-all.tgz "$OUT/all.tgz"
  exit $worst
fi

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
# 'fast' validation: the bad index data reaches the kernels (skip + status flag), which is what memcheck must see.
[ "$has_validate" = 1 ] || args+=(--validate=fast)
SAN_LOG="$OUT/sanitizer-memcheck.log"
RESULTS=gpu-tier-sanitize.json
rm -f "$SAN_LOG" "$OUT/$RESULTS"
"$SAN" --version > "$OUT/sanitizer-version.txt" 2>&1
# --error-exitcode 86 tells sanitizer findings apart from failed checks (1) and the timeout (124/137).
timeout -k 15 "${SAN_TIMEOUT_S:-560}" "$SAN" --tool memcheck --leak-check no --error-exitcode 86 --log-file "$SAN_LOG" \
  node "$APP/gpu-tier-run.mjs" --out "$OUT" --results="$RESULTS" "${args[@]}" 2>&1 | tee "$OUT/gpu-tier-sanitize.log"
rc=${PIPESTATUS[0]}
node "$APP/gpu-tier-run.mjs" --sanitizer-verdict "$OUT/$RESULTS" "$SAN_LOG" "$rc" "$OUT/sanitizer-version.txt"
vrc=$?
[ "$rc" = 0 ] && exit "$vrc"
exit "$rc"
