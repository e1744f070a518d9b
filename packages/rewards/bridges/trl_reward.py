"""TRL reward function backed by the Facial-R1 reward server (Python standard library only).

    import importlib.util
    spec = importlib.util.spec_from_file_location("facial_r1_reward", "<prepared folder>/trl_reward.py")
    bridge = importlib.util.module_from_spec(spec); spec.loader.exec_module(bridge)
    trainer = GRPOTrainer(model=..., reward_funcs=[bridge.facial_r1_reward], train_dataset=dataset)

GRPOTrainer calls reward functions as f(prompts=..., completions=..., completion_ids=...,
**columns, trainer_state=..., log_extra=..., log_metric=...): every dataset column except
`prompt` arrives as a keyword argument with one entry per completion, so the `ground_truth`
column that `fea-train prepare --engine trl` writes (the sample encoded by @facial-r1/rewards'
label codec) reaches it; datasets with separate `labels` and `AUs` columns work too.
Completions are strings or, for conversational datasets, lists of messages whose last one is
the assistant's. Each reward term's batch mean is logged through `log_metric` when TRL offers it.

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


def _text(completion):
    if isinstance(completion, str):
        return completion
    if isinstance(completion, (list, tuple)) and completion:
        content = completion[-1].get("content") or ""
        if isinstance(content, list):
            return "".join(part.get("text", "") for part in content if isinstance(part, dict) and part.get("type", "text") == "text")
        return content
    return ""


def facial_r1_reward(prompts=None, completions=None, completion_ids=None, ground_truth=None, labels=None, AUs=None, trainer_state=None, **kwargs):
    completions = list(completions or [])
    items = []
    for index, completion in enumerate(completions):
        if ground_truth is not None:
            sample = _client.decode_sample(ground_truth[index])
        else:
            sample = {
                "labels": list(labels[index] or []) if labels is not None else [],
                "AUs": list(AUs[index] or []) if AUs is not None else [],
            }
        items.append({"completion": _text(completion), "sample": sample})
    results = _client.score(items)
    log_metric = kwargs.get("log_metric")
    if callable(log_metric) and results:
        for name in results[0]["terms"]:
            log_metric("facial_r1/" + name, sum(result["terms"][name] for result in results) / len(results))
    return [result["total"] for result in results]
