"""Shared HTTP client of the Facial-R1 reward bridges: Python standard library only.

The server is `fea-rewards serve` (or `fea-train serve-rewards`). Configure with
FEA_REWARD_URL (default http://127.0.0.1:8765), FEA_REWARD_TOKEN (bearer token, optional),
FEA_REWARD_PRESET (ask the server for another preset, optional), FEA_REWARD_TIMEOUT (seconds).
"""

import json
import os
import time
import urllib.error
import urllib.request


def decode_sample(ground_truth):
    """The sample a ground truth carries: a JSON object {"labels": [...], "AUs": [...]} or a bare label."""
    if isinstance(ground_truth, dict):
        return ground_truth
    if isinstance(ground_truth, str):
        text = ground_truth.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
                if isinstance(value, dict):
                    return value
            except ValueError:
                pass
        return {"labels": [text] if text else [], "AUs": []}
    return {"labels": [], "AUs": []}


def score(items, retries=3):
    """POST items [{"completion": str, "sample": {...}}] to /score; returns the results list."""
    url = os.environ.get("FEA_REWARD_URL", "http://127.0.0.1:8765").rstrip("/") + "/score"
    body = {"items": items}
    if os.environ.get("FEA_REWARD_PRESET"):
        body["preset"] = os.environ["FEA_REWARD_PRESET"]
    headers = {"content-type": "application/json"}
    if os.environ.get("FEA_REWARD_TOKEN"):
        headers["authorization"] = "Bearer " + os.environ["FEA_REWARD_TOKEN"]
    data = json.dumps(body).encode("utf-8")
    timeout = float(os.environ.get("FEA_REWARD_TIMEOUT", "60"))
    for attempt in range(retries + 1):
        try:
            request = urllib.request.Request(url, data=data, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read().decode("utf-8"))["results"]
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            if error.code < 500 or attempt == retries:
                raise RuntimeError("Facial-R1 reward server answered %d: %s" % (error.code, detail)) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            if attempt == retries:
                raise RuntimeError("cannot reach the Facial-R1 reward server at %s: %s" % (url, error)) from None
        time.sleep(0.5 * 2 ** attempt)
    return []
