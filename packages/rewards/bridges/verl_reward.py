"""verl reward function backed by the Facial-R1 reward server (standard library only).

verl settings:
    custom_reward_function.path=<this file>
    custom_reward_function.name=compute_score          # NaiveRewardManager: one call per response
    # or, with reward_model.reward_manager=batch:
    custom_reward_function.name=compute_score_batch

`ground_truth` is the parquet column reward_model.ground_truth that `fea-train prepare --engine
verl` writes: the sample as JSON {"labels": [...], "AUs": [...]}. Returns a dict with "score"
(what verl trains on) and each reward term (logged by verl).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _facial_r1_client import decode_sample, score  # noqa: E402


def _result(result):
    return dict(result["terms"], score=result["total"])


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    (result,) = score([{"completion": solution_str, "sample": decode_sample(ground_truth)}])
    return _result(result)


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    items = [{"completion": text, "sample": decode_sample(truth)} for text, truth in zip(solution_strs, ground_truths)]
    return [_result(result) for result in score(items)]
