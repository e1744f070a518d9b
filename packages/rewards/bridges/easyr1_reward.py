"""EasyR1 reward function backed by the Facial-R1 reward server (Python standard library only).

EasyR1 setting:
    worker.reward.reward_function=<this file>:compute_score

EasyR1 (verl/workers/reward/function.py) loads the file by path, reads REWARD_TYPE ("batch")
and REWARD_NAME from it, and calls compute_score(reward_inputs) with a list of
{"response", "response_length", "ground_truth"} dicts (plus any
worker.reward.reward_function_kwargs); it wants one dict per input with "overall" (the
reward) and other float keys, which it logs. `ground_truth` is the `answer` column that
`fea-train prepare --engine easyr1` writes: the sample encoded by @facial-r1/rewards' label
codec, {"labels": [...], "AUs": [...]}.

_facial_r1_client.py must sit beside this file (`fea-train prepare` copies both); see it for
where the server is found (FEA_REWARD_URL, FEA_REWARD_TOKEN, facial_r1_reward.json).
"""

import importlib.util
import os

REWARD_NAME = "facial_r1"
REWARD_TYPE = "batch"


def _load_client():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_facial_r1_client.py")
    if not os.path.isfile(path):
        raise ImportError("%s is missing: copy it beside %s (fea-train prepare does)" % (path, __file__))
    spec = importlib.util.spec_from_file_location("_facial_r1_client", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_client = _load_client()


def compute_score(reward_inputs, **kwargs):
    items = [
        {"completion": item["response"], "sample": _client.decode_sample(item.get("ground_truth"))}
        for item in reward_inputs
    ]
    return [dict(result["terms"], overall=result["total"]) for result in _client.score(items)]
