#!/usr/bin/env bash
# CUDA device check for @facial-r1/runtime: one command, a few minutes on a GPU machine.
#   bash packages/runtime/bench/cuda-check.sh            (from the repository root)
# Needs: Node 20, `pnpm install` done, an NVIDIA GPU with CUDA 12 and cuDNN 9 libraries on the
# library path, and onnxruntime-node's CUDA provider binaries (its install script downloads them
# when installed with ONNXRUNTIME_NODE_INSTALL_CUDA=v12; a machine without network needs them
# copied in beforehand). Writes the 0.5B bench model into packages/runtime/.cache on first use
# (about 2 minutes, 2.6 GB), then prints prefill ms and decode tokens/s for n=1 and an n=8 group.
set -euo pipefail
cd "$(dirname "$0")/.."
binaries=$(node -e "const p=require('path');console.log(p.join(p.dirname(require.resolve('onnxruntime-node')),'..','bin','napi-v6','linux','x64'))")
if ! ls "$binaries"/libonnxruntime_providers_cuda.so >/dev/null 2>&1; then
  echo "onnxruntime-node's CUDA provider is missing in $binaries; trying its installer (needs network)" >&2
  (cd "$(dirname "$binaries")/../../.." && ONNXRUNTIME_NODE_INSTALL_CUDA=v12 node script/install.js) || {
    echo "cannot install the CUDA provider here: copy libonnxruntime_providers_{cuda,shared}.so into $binaries" >&2
    exit 2
  }
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
exec timeout 600 npx tsx --conditions=@facial-r1/source bench/cuda-check.ts "$@"
