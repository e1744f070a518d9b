"""Facial-R1 launcher for TRL (SFTTrainer / GRPOTrainer), written by `fea-train prepare`.

Usage: accelerate launch trl_launcher.py <config.json>

The config names the stage (sft | grpo), the dataset files `fea-train` wrote, the
SFTConfig / GRPOConfig fields (`trainer_args`, TRL's own names, DeepSpeed ZeRO-3 json included)
and, for GRPO, the Facial-R1 reward bridge file. Only the
standard library, `datasets` and `trl` are imported; the reward itself is computed by the
Facial-R1 reward server the bridge calls.
"""

import importlib.util
import json
import sys


def load_reward_function(bridge_path, function_name):
    spec = importlib.util.spec_from_file_location("facial_r1_reward_bridge", bridge_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, function_name)


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)

    from datasets import Image, Sequence, load_dataset

    data_files = {"train": config["train_file"]}
    if config.get("test_file"):
        data_files["test"] = config["test_file"]
    dataset = load_dataset("json", data_files=data_files)
    # Image columns are file paths in the JSONL; TRL's collators want decoded images.
    image_column = "images" if config["stage"] == "sft" else "image"
    feature = Sequence(Image()) if image_column == "images" else Image()
    dataset = dataset.cast_column(image_column, feature)

    # `trainer_args` holds SFTConfig / GRPOConfig fields by their TRL names, checked by fea-train
    # against the TRL version the plan names.
    trainer_args = config["trainer_args"]
    if config["stage"] == "sft":
        from trl import SFTConfig, SFTTrainer

        # Prompt-completion rows: with completion_only_loss the loss covers the assistant turn only
        # (the user turn and the image tokens are masked).
        def split_turns(row):
            return {"prompt": row["messages"][:-1], "completion": row["messages"][-1:]}

        dataset = dataset.map(split_turns, remove_columns=["messages"])
        arguments = SFTConfig(**trainer_args)
        trainer = SFTTrainer(model=config["model"], args=arguments, train_dataset=dataset["train"])
    else:
        from trl import GRPOConfig, GRPOTrainer

        reward = load_reward_function(config["reward_bridge"], config["reward_function"])
        arguments = GRPOConfig(**trainer_args)
        trainer = GRPOTrainer(
            model=config["model"],
            reward_funcs=[reward],
            args=arguments,
            train_dataset=dataset["train"],
        )
    trainer.train()
    output_dir = trainer_args["output_dir"]
    trainer.save_model(output_dir)
    print(f"Saving model checkpoint to {output_dir}", flush=True)


if __name__ == "__main__":
    main()
