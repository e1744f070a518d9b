"""Stand-in for LLaMA-Factory: dataset_info.json lookup, media_dir image lookup, <image> count."""

import json
import os
import sys


def main():
    job = json.load(sys.stdin)
    dataset_dir = job["dataset_dir"]
    media_dir = job.get("media_dir") or dataset_dir
    with open(os.path.join(dataset_dir, "dataset_info.json"), encoding="utf-8") as handle:
        attr = json.load(handle)[job["dataset"]]
    if attr.get("formatting") != "sharegpt":
        raise ValueError("expected sharegpt formatting")
    columns = attr["columns"]
    tags = attr.get("tags", {})
    with open(os.path.join(dataset_dir, attr["file_name"]), encoding="utf-8") as handle:
        rows = json.load(handle)
    images, mismatched = [], []
    for index, row in enumerate(rows):
        medias = row.get(columns["images"]) or []
        resolved = []
        for media in medias:
            candidate = os.path.join(media_dir, media)
            resolved.append(candidate if os.path.isfile(candidate) else media)
        for original, path in zip(medias, resolved):
            images.append({"ref": original, "path": path, "exists": os.path.isfile(path)})
        messages = row[columns["messages"]]
        placeholders = sum(message[tags.get("content_tag", "content")].count("<image>") for message in messages)
        if placeholders != len(medias):
            mismatched.append(index)
    print(json.dumps({"images": images, "mismatched": mismatched, "rows": len(rows)}))


main()
