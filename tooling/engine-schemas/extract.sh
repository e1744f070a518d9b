#!/usr/bin/env bash
# Re-extracts one engine x version row of the trainer's contract data.
#   tooling/engine-schemas/extract.sh <engine> <git dir of the engine> <ref> <version> [transformers wheel] [accelerate wheel]
# Archives <ref> of the engine's repository into a temporary folder (nothing of the engine is
# kept), runs extract.py over it and writes apps/trainer/src/engines/schemas/<engine>@<version>.json
# (or into $ENGINE_SCHEMAS_OUT when set), and regenerates that folder's index.ts.
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n '2,5p' "$0"
  exit 2
fi
engine=$1 git_dir=$2 ref=$3 version=$4 transformers=${5:-} accelerate=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
commit=$(git -C "$git_dir" rev-parse "$ref^{commit}")
checkout=$(mktemp -d)
trap 'rm -rf "$checkout"' EXIT
git -C "$git_dir" archive "$commit" | tar -x -C "$checkout"
out_dir=${ENGINE_SCHEMAS_OUT:-$root/apps/trainer/src/engines/schemas}
python3 "$here/extract.py" --engine "$engine" --version "$version" --ref "$ref" --commit "$commit" \
  --checkout "$checkout" ${transformers:+--transformers "$transformers"} ${accelerate:+--accelerate "$accelerate"} \
  --out "$out_dir/$engine@$version.json"
python3 "$here/write_index.py" "$out_dir"
