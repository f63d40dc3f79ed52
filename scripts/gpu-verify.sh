#!/usr/bin/env bash
# Run ON the GPU host (repo root, .gpu-bundle carried): `gemmkit verify` once per op, each op in its own
# process, so that a kernel fault (a sticky CUDA error ends the process's context) cannot hide the others.
#   bash scripts/gpu-verify.sh [--backend=cuda|webgpu] [--ops=a,b] [--sanitize] [--no-bad-input]
# Writes $OUT/verify-<backend>/<op>.json (+ .log) and prints one line per op.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/test-output/gpu-tier}"
# shellcheck source=/dev/null
source scripts/gpu-tier-setup.sh >/dev/null || exit 1
backend=cuda ops="" sanitize=0 extra=()
for a in "$@"; do
  case "$a" in
    --backend=*) backend="${a#--backend=}" ;;
    --ops=*) ops="${a#--ops=}" ;;
    --sanitize) sanitize=1 ;;
    --no-bad-input) extra+=(--no-bad-input) ;;
    *) echo "gpu-verify: unknown argument $a" >&2; exit 2 ;;
  esac
done
APP=.gpu-bundle/app
CLI="$APP/node_modules/@gemmkit/cli/dist/bin.js"
[ -n "$ops" ] || ops=$(cd "$APP" && node -e "import('@gemmkit/core').then((m) => console.log(Object.keys(m.contracts).join(',')))")
dir="$OUT/verify-$backend$([ $sanitize = 1 ] && echo -sanitized)"
mkdir -p "$dir"
wrap=()
if [ $sanitize = 1 ]; then
  san=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  wrap=("$san" --tool memcheck --leak-check no --error-exitcode 86)
fi
fails=0
for op in ${ops//,/ }; do
  "${wrap[@]}" node "$CLI" verify --backend "$backend" --op "$op" --json --no-progress "${extra[@]}" \
    > "$dir/$op.json" 2> "$dir/$op.log"
  rc=$?
  [ $rc = 0 ] || fails=$((fails + 1))
  summary=$(node -e "try{const r=JSON.parse(require('fs').readFileSync('$dir/$op.json','utf8'));const o=r.ops[0]||{};console.log(\`conformance \${o.casesPassed}/\${o.cases} bad-input \${o.badPassed}/\${o.bad} worst \${o.worstDiff}\`);for(const f of r.failures)console.log('   '+f.kind+' '+f.name+': '+String(f.reason).slice(0,300))}catch(e){console.log('no JSON: '+require('fs').readFileSync('$dir/$op.log','utf8').split('\n').filter(Boolean).slice(-3).join(' | ').slice(0,400))}")
  printf '%-4s %-30s %s\n' "$([ $rc = 0 ] && echo ok || echo FAIL)" "$op" "$summary"
done
echo "gpu-verify: $fails op(s) failed on $backend; results in $dir"
exit $((fails > 0))
