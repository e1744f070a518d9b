"""Stand-in for verl: custom reward function by path + name, keyword calls, image lookup."""

import importlib.util
import base64
import json
import os
import sys
from functools import partial


def load_module(module_path):
    if module_path.startswith("file://"):
        module_path = module_path[len("file://"):]
    if not os.path.exists(module_path):
        raise FileNotFoundError("Custom module file not found: %r" % module_path)
    spec = importlib.util.spec_from_file_location("custom_module_%d" % hash(os.path.abspath(module_path)), module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def get_custom_reward_fn(config):
    raw_fn = getattr(load_module(config["path"]), config["name"])
    reward_kwargs = dict(config.get("reward_kwargs", {}))
    return partial(lambda fn, extra, *args, **kwargs: fn(*args, **{**kwargs, **extra}), raw_fn, reward_kwargs)


IMAGE_MAGIC = {b"\xff\xd8\xff": "jpeg", b"\x89PNG": "png", b"RIFF": "webp"}


def image_format(data):
    """The format PIL would detect from the first bytes (None: not an image it opens)."""
    return next((name for magic, name in IMAGE_MAGIC.items() if data.startswith(magic)), None)


def fetch_image_path(element):
    """qwen-vl-utils fetch_image: which file it opens (None for bytes)."""
    if "bytes" in element and element["bytes"] is not None:
        return None
    image = element["image"]
    if image.startswith("http://") or image.startswith("https://"):
        raise ValueError("network image in a training row: %s" % image)
    if image.startswith("file://"):
        return image[7:]
    return image


def main():
    job = json.load(sys.stdin)
    rows, completions = job["rows"], job["completions"]
    naive = get_custom_reward_fn({"path": job["bridge"], "name": "compute_score"})
    naive_scores, extra = [], {}
    for row, texts in zip(rows, completions):
        row_scores = []
        for text in texts:
            extra_info = dict(row.get("extra_info") or {})
            extra_info["num_turns"] = None
            extra_info["rollout_reward_scores"] = {}
            score = naive(
                data_source=row["data_source"],
                solution_str=text,
                ground_truth=row["reward_model"]["ground_truth"],
                extra_info=extra_info,
            )
            if isinstance(score, dict):
                for key, value in score.items():
                    extra.setdefault(key, []).append(value)
                score = score["score"]
            row_scores.append(float(score))
        naive_scores.append(row_scores)
    batch = get_custom_reward_fn({"path": job["bridge"], "name": "compute_score_batch"})
    flat = [(row, text) for row, texts in zip(rows, completions) for text in texts]
    batch_scores = batch(
        data_sources=[row["data_source"] for row, _ in flat],
        solution_strs=[text for _, text in flat],
        ground_truths=[row["reward_model"].get("ground_truth") for row, _ in flat],
        extra_infos=[dict(row.get("extra_info") or {}, rollout_reward_scores={}) for row, _ in flat],
    )
    images = []
    for row in rows:
        for element in row["images"]:
            path = fetch_image_path(element)
            if path is None:
                # verl's process_image: Image.open(BytesIO(bytes)); the test passes them base64-encoded.
                data = base64.b64decode(element["bytes"])
                images.append({"ref": "<bytes>", "path": None, "exists": image_format(data) is not None,
                               "format": image_format(data), "size": len(data)})
                continue
            images.append({"ref": element.get("image"), "path": path, "exists": os.path.isfile(path)})
    lengths = {key: len(values) for key, values in extra.items()}
    print(json.dumps({
        "naive": naive_scores,
        "batch": [score["score"] if isinstance(score, dict) else score for score in batch_scores],
        "extra_lengths": lengths,
        "images": images,
    }))


main()
