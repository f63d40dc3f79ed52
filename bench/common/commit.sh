#!/usr/bin/env bash
# Print the commit a benchmark result is attributed to, for the bench/*/run.sh scripts. In order:
#   $GIT_COMMIT                 (set it on the machine with the repo: GIT_COMMIT=$(git rev-parse HEAD))
#   .gpu-bundle/commit          (written by scripts/gpu-bundle.sh from the working tree it packed)
#   git rev-parse HEAD          (+dirty when tracked files have edits)
# Both fallbacks can be stale: the device's copy of the working tree can carry a .git whose HEAD is older than
# the files that travelled (seen on 2026-12-06), and a carried bundle may predate later edits. So pass
# GIT_COMMIT from the machine with the repo; a fallback says so on stderr.
root="$(cd "$(dirname "$0")/../.." && pwd)"
if [ -n "${GIT_COMMIT:-}" ]; then
  echo "$GIT_COMMIT"
elif [ -s "$root/.gpu-bundle/commit" ]; then
  echo "commit.sh: GIT_COMMIT not set; using .gpu-bundle/commit (the tree the bundle was packed from)" >&2
  cat "$root/.gpu-bundle/commit"
  echo
else
  echo "commit.sh: GIT_COMMIT not set; using git HEAD of this copy" >&2
  c=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
  [ "$c" != unknown ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ] && c="$c+dirty"
  echo "$c"
fi
