#!/usr/bin/env bash
# Build everything and write the git-ignored .gpu-bundle/ (< 60 MiB) that the GPU host needs, since it
# has no Node and no network:
#   node.xz              this machine's node binary, xz-compressed
#   app/                 built dist of every package + pruned runtime node_modules + the GPU-tier runner
#   gl/*.deb             Debian's Vulkan/EGL loaders, for the WebGPU backend on the GPU host
# Usage: bash scripts/gpu-bundle.sh [--skip-build] [--skip-gl]
set -euo pipefail
cd "$(dirname "$0")/.."
B=.gpu-bundle
SKIP_BUILD=0 SKIP_GL=0
for a in "$@"; do
  case "$a" in
    --skip-build) SKIP_BUILD=1 ;;
    --skip-gl) SKIP_GL=1 ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done
mkdir -p "$B"

if [ "$SKIP_BUILD" = 0 ]; then
  echo "== pnpm build"
  pnpm -s build >/dev/null 2>"$B/build.log" || { tail -40 "$B/build.log" >&2; exit 1; }
fi

# The node binary: compress once per binary (xz of ~100 MB takes minutes on 2 cores).
NODE_BIN="$(command -v node)"
NODE_SUM="$(sha256sum "$NODE_BIN" | cut -d' ' -f1)"
if [ ! -f "$B/node.xz" ] || [ "$(cat "$B/node.sha256" 2>/dev/null)" != "$NODE_SUM" ]; then
  echo "== xz $NODE_BIN ($(node --version))"
  xz -T0 -6 -c "$NODE_BIN" > "$B/node.xz.tmp" && mv "$B/node.xz.tmp" "$B/node.xz"
  echo "$NODE_SUM" > "$B/node.sha256"
fi
node --version > "$B/node.version"

echo "== app"
node scripts/gpu-bundle.mjs
# The commit the results will be attributed to (the runner reads it; '+dirty' when the tree had edits).
{ git rev-parse HEAD 2>/dev/null || echo unknown; } | tr -d '\n' > "$B/commit"
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || printf '+dirty' >> "$B/commit"
# dawn.node is ~21 MB raw, ~5 MB as xz: ship it compressed, gpu-tier-setup.sh unpacks it.
find "$B/app" -name dawn.node -size +1M -exec xz -T0 -6 -f {} \;

if [ "$SKIP_GL" = 0 ] && [ -z "$(ls "$B"/gl/*.deb 2>/dev/null)" ]; then
  echo "== Vulkan/EGL loader .debs"
  mkdir -p "$B/gl" /tmp/gemmkit-apt-amd64/partial
  o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/gemmkit-apt-amd64"
  apt-get $o update >/dev/null
  (cd "$B/gl" && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
fi

SIZE=$(du -sb "$B" | cut -f1)
echo "== .gpu-bundle: $((SIZE / 1048576)) MiB"
if [ "$SIZE" -gt $((60 * 1048576)) ]; then
  echo "bundle exceeds 60 MiB" >&2
  exit 1
fi
