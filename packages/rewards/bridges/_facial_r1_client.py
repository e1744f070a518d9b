"""Shared HTTP client of the Facial-R1 reward bridges: Python standard library only.

Every bridge (verl_reward.py, trl_reward.py, easyr1_reward.py) loads this file from its own
folder, so the two travel together: `fea-train prepare` copies both into the prepared folder.

The server is `fea-rewards serve` or `fea-train serve-rewards`. Where it is, in this order:
  1. environment: FEA_REWARD_URL, FEA_REWARD_TOKEN (bearer token), FEA_REWARD_PRESET (another
     preset), FEA_REWARD_TIMEOUT (seconds per request, default 60);
  2. facial_r1_reward.json beside this file ({"url": ..., "token": ...}), which `fea-train`
     writes when it starts (or dry-runs) a stage, so engine workers on other nodes that do not
     inherit the launcher's environment still find the server;
  3. http://127.0.0.1:8765.
"""

import json
import os
import socket
import time
import urllib.error
import urllib.request

_HERE = os.path.dirname(os.path.abspath(__file__))
_SETTINGS_FILE = os.path.join(_HERE, "facial_r1_reward.json")
# Answers worth another try: the server is restarting, overloaded or behind a busy proxy.
_TRANSIENT_STATUS = (408, 429, 502, 503, 504)


_saved = {"mtime": None, "value": {}}


def _saved_settings():
    # Read again only when the file changes: verl's naive manager calls once per response.
    try:
        mtime = os.stat(_SETTINGS_FILE).st_mtime_ns
    except OSError:
        return {}
    if _saved["mtime"] != mtime:
        with open(_SETTINGS_FILE, encoding="utf-8") as handle:
            _saved["value"] = json.load(handle)
        _saved["mtime"] = mtime
    return _saved["value"]


def settings():
    """The server URL, token, preset and timeout this process uses (see the module docstring)."""
    saved = _saved_settings()
    return {
        "url": (os.environ.get("FEA_REWARD_URL") or saved.get("url") or "http://127.0.0.1:8765").rstrip("/"),
        "token": os.environ.get("FEA_REWARD_TOKEN") or saved.get("token") or None,
        "preset": os.environ.get("FEA_REWARD_PRESET") or saved.get("preset") or None,
        "timeout": float(os.environ.get("FEA_REWARD_TIMEOUT") or saved.get("timeout") or 60),
    }


def _string_list(value, field, shown):
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise ValueError("ground truth %s: %r must be a list of strings" % (shown, field))
    return list(value)


def decode_sample(ground_truth):
    """Decodes a ground truth exactly as @facial-r1/rewards' decodeGroundTruth does.

    The codec's JSON string {"labels": [...], "AUs": [...]}, an already decoded dict, a bare
    emotion label ("happiness"), or None/"" (no labels). A string starting with "{" must be
    that JSON object: anything else raises ValueError instead of being scored as a label.
    """
    if ground_truth is None:
        return {"labels": [], "AUs": []}
    if isinstance(ground_truth, dict):
        shown = "(object)"
        value = ground_truth
    elif isinstance(ground_truth, str):
        text = ground_truth.strip()
        if not text.startswith("{"):
            return {"labels": [text] if text else [], "AUs": []}
        shown = text if len(text) <= 80 else text[:77] + "..."
        try:
            value = json.loads(text)
        except ValueError:
            raise ValueError("ground truth %s: not valid JSON" % shown) from None
        if not isinstance(value, dict):
            raise ValueError("ground truth %s: expected a JSON object" % shown)
    else:
        raise ValueError("ground truth must be a string or an object, got %s" % type(ground_truth).__name__)
    return {
        "labels": _string_list(value.get("labels"), "labels", shown),
        "AUs": _string_list(value.get("AUs"), "AUs", shown),
    }


def _transient(error):
    reason = getattr(error, "reason", error)
    return isinstance(reason, (ConnectionError, TimeoutError, socket.timeout))


def score(items, retries=3):
    """POSTs items [{"completion": str, "sample": {...}}] to /score; returns one result per item.

    Retries (with backoff) only what may pass: refused or dropped connections, timeouts and
    HTTP 408/429/502/503/504. A 4xx (bad request, wrong token) or 500 fails at once, with the
    server's message.
    """
    if not items:
        return []
    config = settings()
    url = config["url"] + "/score"
    body = {"items": items}
    if config["preset"]:
        body["preset"] = config["preset"]
    headers = {"content-type": "application/json"}
    if config["token"]:
        headers["authorization"] = "Bearer " + config["token"]
    data = json.dumps(body).encode("utf-8")
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            request = urllib.request.Request(url, data=data, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=config["timeout"]) as response:
                results = json.loads(response.read().decode("utf-8"))["results"]
            if len(results) != len(items):
                raise RuntimeError("Facial-R1 reward server returned %d results for %d items" % (len(results), len(items)))
            return results
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            if error.code not in _TRANSIENT_STATUS or last:
                raise RuntimeError("Facial-R1 reward server at %s answered %d: %s" % (url, error.code, detail)) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout) as error:
            if not _transient(error) or last:
                raise RuntimeError("cannot reach the Facial-R1 reward server at %s: %s" % (url, error)) from None
        time.sleep(0.5 * 2 ** attempt)
    return []
