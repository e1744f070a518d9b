#!/usr/bin/env bash
# GPU device check for @facial-r1/runtime: one command, a few minutes on a GPU machine.
#   bash packages/runtime/bench/gpu-check.sh [--devices cuda,webgpu] [--dtypes fp32,q4f16]
# from the repository root, after `pnpm install`. For a machine without network or a
# workspace, `bash packages/runtime/bench/gpu-pack.sh DIR` makes a self-contained folder to copy
# there and run with `bash DIR/run.sh`.
#
# CUDA needs onnxruntime-node's CUDA provider (libonnxruntime_providers_{cuda,shared}.so, which
# its install script downloads from NuGet with ONNXRUNTIME_NODE_INSTALL=cuda12) and the CUDA 12
# and cuDNN 9 libraries on the library path. WebGPU needs a Vulkan loader (libvulkan.so.1) and
# the GPU's Vulkan driver. A device that cannot be used is reported, with the reason, and skipped.
# Writes the 0.5B bench model into packages/runtime/.cache (or $FEA_SCALE_CACHE) on first use
# (1-2 minutes, 2.6 GB for fp32), then prints the tables described in gpu-check.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
exec timeout 900 npx tsx --conditions=@facial-r1/source bench/gpu-check.ts "$@"
