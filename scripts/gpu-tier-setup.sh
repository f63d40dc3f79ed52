#!/usr/bin/env bash
# Source this on the GPU host (repo root, .gpu-bundle carried): unpacks node and the compressed native
# modules, installs the Vulkan/EGL loaders for WebGPU, and puts node on PATH. Idempotent.
#   source scripts/gpu-tier-setup.sh
B="${GPU_BUNDLE:-$PWD/.gpu-bundle}"
if [ ! -d "$B/app" ]; then
  echo "gpu-tier-setup: $B/app missing (run scripts/gpu-bundle.sh here and carry .gpu-bundle)" >&2
  return 1 2>/dev/null || exit 1
fi
GK_BIN=/tmp/gemmkit-node/bin
mkdir -p "$GK_BIN"
if [ ! -x "$GK_BIN/node" ]; then
  xz -dc "$B/node.xz" > "$GK_BIN/node.tmp" && chmod +x "$GK_BIN/node.tmp" && mv "$GK_BIN/node.tmp" "$GK_BIN/node"
fi
find "$B/app" -name '*.node.xz' | while read -r f; do [ -f "${f%.xz}" ] || xz -dk "$f"; done
if ls "$B"/gl/*.deb >/dev/null 2>&1 && ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1; then
  for f in "$B"/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
export PATH="$GK_BIN:$PATH"
export VK_DRIVER_FILES="${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}"
[ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] &&
  export __EGL_VENDOR_LIBRARY_FILENAMES="${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}"
export GEMMKIT_CACHE_DIR="${GEMMKIT_CACHE_DIR:-/tmp/gemmkit-cache}"
# Keep NVLink multicast off on shared multi-GPU hosts.
export NCCL_NVLS_ENABLE=0
# The CLI from the bundle: `gemmkit info`, `gemmkit bench ...` (same commands as apps/cli here).
gemmkit() { node "$B/app/node_modules/@gemmkit/cli/dist/bin.js" "$@"; }
echo "gpu-tier-setup: node $(node --version) from $GK_BIN"
