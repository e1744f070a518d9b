"""verl reward function backed by the Facial-R1 reward server (Python standard library only).

verl settings (verl/trainer/ppo/reward.py loads the file by path and takes the function by name):
    custom_reward_function.path=<this file>
    custom_reward_function.name=compute_score         # naive reward manager (the default)
    # or, with reward_model.reward_manager=batch:
    custom_reward_function.name=compute_score_batch

verl calls compute_score(data_source=..., solution_str=..., ground_truth=..., extra_info=...)
by keyword (newer releases add keywords such as reward_router_address; they are accepted and
ignored), and the batch manager compute_score_batch(data_sources=..., solution_strs=...,
ground_truths=..., extra_infos=...). `ground_truth` is the parquet column
reward_model.ground_truth that `fea-train prepare --engine verl` writes: the sample encoded by
@facial-r1/rewards' label codec, {"labels": [...], "AUs": [...]}. Returns a dict with "score"
(what verl trains on) and each reward term (verl logs every key).

_facial_r1_client.py must sit beside this file (`fea-train prepare` copies both); see it for
where the server is found (FEA_REWARD_URL, FEA_REWARD_TOKEN, facial_r1_reward.json).
"""

import importlib.util
import os


def _load_client():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_facial_r1_client.py")
    if not os.path.isfile(path):
        raise ImportError("%s is missing: copy it beside %s (fea-train prepare does)" % (path, __file__))
    spec = importlib.util.spec_from_file_location("_facial_r1_client", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_client = _load_client()


def _result(result):
    return dict(result["terms"], score=result["total"])


def compute_score(data_source=None, solution_str="", ground_truth=None, extra_info=None, **kwargs):
    (result,) = _client.score([{"completion": solution_str, "sample": _client.decode_sample(ground_truth)}])
    return _result(result)


def compute_score_batch(data_sources=None, solution_strs=(), ground_truths=(), extra_infos=None, **kwargs):
    solution_strs = list(solution_strs)
    ground_truths = list(ground_truths)
    if len(solution_strs) != len(ground_truths):
        raise ValueError("%d solution_strs for %d ground_truths" % (len(solution_strs), len(ground_truths)))
    items = [{"completion": text, "sample": _client.decode_sample(truth)} for text, truth in zip(solution_strs, ground_truths)]
    return [_result(result) for result in _client.score(items)]
