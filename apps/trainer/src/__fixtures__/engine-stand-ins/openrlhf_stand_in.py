"""Stand-in for OpenRLHF: remote reward model POSTs (batched and per sample) and image loading."""

import json
import os
import re
import sys
import urllib.request


def render(messages):
    # The Qwen2-VL chat template with add_generation_prompt=True, image tags expanded.
    text = ""
    for message in messages:
        content = message["content"].replace("<image>", "<|vision_start|><|image_pad|><|vision_end|>")
        text += "<|im_start|>%s\n%s<|im_end|>\n" % (message["role"], content)
    return text + "<|im_start|>assistant\n"


def post(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode("utf-8"), headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def numbers(value):
    return isinstance(value, list) and all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in value)


def is_base64_image(text):
    if text.startswith("data:image"):
        return True
    return len(text) > 256 and bool(re.fullmatch(r"[A-Za-z0-9+/\n\r]+=*", text[:512]))


def main():
    job = json.load(sys.stdin)
    rows = job["rows"]
    queries, prompts, labels = [], [], []
    for row, texts in zip(rows, job["completions"]):
        prompt = render(row[job["input_key"]])
        for text in texts:
            queries.append(prompt + text + "<|im_end|>")
            prompts.append(prompt)
            labels.append(row[job["label_key"]])
    # 0.8.x: one POST for the batch; torch.tensor(reply["rewards"]), extra_logs concatenated per key.
    batched = post(job["url"], {"query": queries, "prompts": prompts, "labels": labels})
    problems = []
    for key in ("rewards", "scores"):
        if not numbers(batched.get(key)) or len(batched[key]) != len(queries):
            problems.append("batched %s is not %d numbers" % (key, len(queries)))
    for key, value in (batched.get("extra_logs") or {}).items():
        if not numbers(value) or len(value) != len(queries):
            problems.append("batched extra_logs[%s] is not %d numbers" % (key, len(queries)))
    # The current agent executor (0.10+, HEAD): one POST per sample; reply values are lists of one.
    single = []
    for query, prompt, label in zip(queries, prompts, labels):
        reply = post(job["url"], {"query": [query], "prompts": [prompt], "labels": [label]})
        score = reply.get("scores")
        if score is None:
            score = reply.get("rewards")
        if not numbers(score) or len(score) != 1:
            problems.append("per-sample scores is not one number")
        for key, value in (reply.get("extra_logs") or {}).items():
            if not (numbers(value) and len(value) == 1):
                problems.append("per-sample extra_logs[%s] is not one number" % key)
        single.append(score[0])
    images = []
    for row in rows:
        for image in row.get("images") or []:
            loadable = not image.startswith(("http://", "https://")) and not is_base64_image(image)
            images.append({"ref": image, "path": image, "exists": loadable and os.path.isfile(image)})
    print(json.dumps({"batched": batched["rewards"], "single": single, "problems": problems, "images": images}))


main()
