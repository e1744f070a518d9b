"""EasyR1 reward function backed by the Facial-R1 reward server (standard library only).

EasyR1 settings:
    worker.reward.reward_type=batch
    worker.reward.reward_function=<this file>:compute_score
    # or worker.reward.reward_type=sequential with <this file>:compute_score_sequential

Batch form: a list of {"response", "response_length", "ground_truth"} dicts -> a list of dicts
with "overall" and each reward term. `ground_truth` is the `answer` column that `fea-train
prepare --engine easyr1` writes: the sample as JSON {"labels": [...], "AUs": [...]}.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _facial_r1_client import decode_sample, score  # noqa: E402


def _result(result):
    return dict(result["terms"], overall=result["total"])


def compute_score(reward_inputs, **kwargs):
    items = [{"completion": item["response"], "sample": decode_sample(item.get("ground_truth"))} for item in reward_inputs]
    return [_result(result) for result in score(items)]


def compute_score_sequential(response, ground_truth, **kwargs):
    (result,) = score([{"completion": response, "sample": decode_sample(ground_truth)}])
    return _result(result)
