"""Stand-in for EasyR1: worker.reward.reward_function=file.py:fn, batch reward dicts, images."""

import importlib.util
import json
import os
import sys
from functools import partial


def main():
    job = json.load(sys.stdin)
    reward_function = job["reward_function"]
    if ":" not in reward_function:
        path, name = reward_function, "main"
    else:
        path, name = reward_function.rsplit(":", maxsplit=1)
    path = os.path.abspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError("Reward function file %s not found." % path)
    spec = importlib.util.spec_from_file_location("custom_reward_fn", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["custom_reward_fn"] = module
    spec.loader.exec_module(module)
    reward_fn = partial(getattr(module, name), **job.get("reward_function_kwargs", {}))
    reward_type = getattr(module, "REWARD_TYPE", "batch")
    rows, completions = job["rows"], job["completions"]
    # The dataset renames data.answer_key to "ground_truth".
    inputs = [
        {"response": text, "response_length": len(text.split()), "ground_truth": row[job["answer_key"]]}
        for row, texts in zip(rows, completions)
        for text in texts
    ]
    if reward_type == "batch":
        scores = reward_fn(inputs)
    elif reward_type == "sequential":
        scores = [reward_fn(item) for item in inputs]
    else:
        raise ValueError("Unsupported reward type: %s." % reward_type)
    metrics = {}
    for score in scores:
        for key, value in score.items():
            metrics.setdefault(key, []).append(float(value))
    images = []
    image_dir = job.get("image_dir")
    for row in rows:
        for image in row[job["image_key"]]:
            path = os.path.join(image_dir, image) if image_dir else image
            images.append({"ref": image, "path": path, "exists": os.path.isfile(path)})
    print(json.dumps({
        "reward_type": reward_type,
        "overall": [score["overall"] for score in scores],
        "metric_lengths": {key: len(values) for key, values in metrics.items()},
        "images": images,
    }))


main()
