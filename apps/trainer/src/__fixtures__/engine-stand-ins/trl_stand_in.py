"""Stand-in for TRL: GRPOTrainer's reward call, and the image paths datasets.Image opens."""

import importlib.util
import json
import math
import os
import sys


class TrainerState:
    global_step = 7
    epoch = 0.5


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def image_check(path):
    # datasets.Image decodes a str path with PIL.Image.open: relative to the working directory.
    return {"ref": path, "path": path, "exists": os.path.isfile(path)}


def grpo(job):
    # What fea-train's trl_launcher does: load the bridge file by path, take the function by name.
    spec = importlib.util.spec_from_file_location("facial_r1_reward_bridge", job["bridge"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reward_func = getattr(module, job["function"])
    rows = read_jsonl(job["data"])
    inputs, prompts, completions, completion_ids = [], [], [], []
    for row, texts in zip(rows, job["completions"]):
        for text in texts:
            inputs.append(row)
            prompts.append(row["prompt"])
            completions.append([{"role": "assistant", "content": text}])
            completion_ids.append([ord(character) % 1000 for character in text])
    keys = [key for key in inputs[0] if key not in ["prompt", "completion", "completion_ids"]]
    reward_kwargs = {key: [example[key] for example in inputs] for key in keys}
    reward_kwargs["trainer_state"] = TrainerState()
    logged_extra, logged_metrics = {}, {}
    reward_kwargs["log_extra"] = lambda column, values: logged_extra.__setitem__(column, values)
    reward_kwargs["log_metric"] = lambda name, value: logged_metrics.__setitem__(name, float(value))
    output = reward_func(prompts=prompts, completions=completions, completion_ids=completion_ids, **reward_kwargs)
    output = [reward if reward is not None else math.nan for reward in output]
    images = [image_check(row["image"]) for row in rows]
    placeholders = [sum(1 for message in row["prompt"] for part in message["content"] if isinstance(part, dict) and part.get("type") == "image") for row in rows]
    return {"rewards": output, "metrics": logged_metrics, "images": images, "placeholders": placeholders, "columns": keys}


def sft(job):
    rows = read_jsonl(job["data"])
    images, mismatched = [], []
    for index, row in enumerate(rows):
        parts = sum(1 for message in row["messages"] for part in message["content"] if isinstance(part, dict) and part.get("type") == "image")
        if parts != len(row["images"]):
            mismatched.append(index)
        images.extend(image_check(path) for path in row["images"])
    return {"images": images, "mismatched": mismatched}


job = json.load(sys.stdin)
print(json.dumps(grpo(job) if job["stage"] == "grpo" else sft(job)))
