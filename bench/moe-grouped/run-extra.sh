#!/usr/bin/env bash
# Ragged-K FP8 (wgrad) and BF16 segment GEMM through the library, with torch peers, on the GPU host
# (repo root, .gpu-bundle carried):
#   bash bench/moe-grouped/run-extra.sh            # OUT=... to choose where results go
# 1. library-bench.mjs (cuda backend, run from .gpu-bundle/app so @gemmkit/* resolve) → $OUT/moe-extra-library.json
# 2. peer_extra.py: torch._grouped_mm / torch._scaled_mm / torch.mm on the same group sizes → $OUT/moe-extra.json
#    (BENCH_RESULTS.md format) and a table, printed last.
# Bounded for < 240 s on an H100: the library part is killed after 150 s (it stops starting cases at
# LIB_BUDGET_S=110 and saves after every case), the peer after 90 s (no new case after PEER_BUDGET_S=65).
# Scripts come from the working tree when it travelled, else from the bundle (.gpu-bundle/app/bench).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/test-output/gpu-tier}"
mkdir -p "$OUT"
if ! command -v node >/dev/null || [ -z "${GEMMKIT_CACHE_DIR:-}" ]; then
  # shellcheck source=/dev/null
  source scripts/gpu-tier-setup.sh || exit 1
fi
BUNDLE="${GPU_BUNDLE:-$PWD/.gpu-bundle}"
APP="$BUNDLE/app"
pick() { # working-tree copy, else the bundle's
  if [ -f "$1" ]; then echo "$1"; else echo "$APP/bench/$(basename "$1")"; fi
}
# The bench imports @gemmkit/*: it must run from inside the bundle's app/ (its node_modules).
cp "$(pick bench/moe-grouped/library-bench.mjs)" "$APP/library-bench.mjs" || exit 1
PEER="$(pick bench/moe-grouped/peer_extra.py)"
extra=()
[ "${TINY:-0}" = 1 ] && extra+=(--tiny)

echo "== library: raggedKMoeGemm8bit + segmentGemm on ${BACKEND:-cuda}"
rm -f "$OUT/moe-extra-library.json" "$OUT/moe-extra.json"
timeout -k 5 "${LIB_S:-150}" node "$APP/library-bench.mjs" --backend "${BACKEND:-cuda}" \
  --budget-s "${LIB_BUDGET_S:-110}" --out "$OUT/moe-extra-library.json" "${extra[@]}" 2>&1 |
  tee "$OUT/moe-extra-library.log"
rc=${PIPESTATUS[0]}
if [ ! -f "$OUT/moe-extra-library.json" ]; then
  echo "moe-grouped: the library bench wrote no report (exit $rc); see $OUT/moe-extra-library.log" >&2
  exit 1
fi

echo "== torch peers"
timeout -k 5 "${PEER_S:-90}" "${PYTHON:-python3}" "$PEER" "$OUT/moe-extra-library.json" \
  --out "$OUT/moe-extra.json" --commit-file "$BUNDLE/commit" --budget-s "${PEER_BUDGET_S:-65}" 2>&1 |
  tee "$OUT/moe-extra-peer.log"
prc=${PIPESTATUS[0]}
[ "$prc" = 0 ] || echo "moe-grouped: peer_extra.py failed (exit $prc)" >&2
[ "$rc" = 0 ] && [ "$prc" = 0 ] && exit 0
exit 1
