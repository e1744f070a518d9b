"""TRL reward function backed by the Facial-R1 reward server (standard library only).

    from trl import GRPOTrainer
    import importlib.util
    spec = importlib.util.spec_from_file_location("fea", "<path>/trl_reward.py")
    fea = importlib.util.module_from_spec(spec); spec.loader.exec_module(fea)
    trainer = GRPOTrainer(model=..., reward_funcs=[fea.facial_r1_reward], train_dataset=dataset)

GRPOTrainer calls reward functions as f(prompts=..., completions=..., **columns): the dataset's
`labels` and `AUs` columns (what `fea-train prepare --engine trl` writes) arrive as keyword
arguments, one entry per completion. Completions are strings or, for conversational datasets,
lists of messages.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _facial_r1_client import decode_sample, score  # noqa: E402


def _text(completion):
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        content = completion[-1].get("content", "")
        if isinstance(content, list):
            return "".join(part.get("text", "") for part in content if isinstance(part, dict))
        return content
    return ""


def facial_r1_reward(prompts=None, completions=None, labels=None, AUs=None, ground_truth=None, **kwargs):
    completions = completions or []
    items = []
    for index, completion in enumerate(completions):
        if labels is not None or AUs is not None:
            sample = {"labels": list(labels[index]) if labels is not None else [], "AUs": list(AUs[index]) if AUs is not None else []}
        else:
            sample = decode_sample(ground_truth[index] if ground_truth is not None else None)
        items.append({"completion": _text(completion), "sample": sample})
    return [result["total"] for result in score(items)]
