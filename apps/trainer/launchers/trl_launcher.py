"""Facial-R1 launcher for TRL (SFTTrainer / GRPOTrainer), written by `fea-train prepare`.

Usage: accelerate launch trl_launcher.py <config.json>

The config names the stage (sft | grpo), the dataset files `fea-train` wrote, the
hyperparameters from the plan and, for GRPO, the Facial-R1 reward bridge file. Only the
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

    hyper = config["hyperparameters"]
    if config["stage"] == "sft":
        from trl import SFTConfig, SFTTrainer

        arguments = SFTConfig(
            output_dir=config["output_dir"],
            learning_rate=hyper["learning_rate"],
            num_train_epochs=hyper["epochs"],
            max_length=hyper["max_length"],
            per_device_train_batch_size=1,
            gradient_accumulation_steps=2,
            bf16=True,
            logging_steps=1,
            save_strategy="epoch",
            report_to="none",
        )
        trainer = SFTTrainer(model=config["model"], args=arguments, train_dataset=dataset["train"])
    else:
        from trl import GRPOConfig, GRPOTrainer

        reward = load_reward_function(config["reward_bridge"], config["reward_function"])
        arguments = GRPOConfig(
            output_dir=config["output_dir"],
            learning_rate=hyper["learning_rate"],
            num_train_epochs=hyper["epochs"],
            num_generations=hyper["group_size"],
            temperature=hyper["temperature"],
            beta=hyper["kl_beta"],
            epsilon=hyper["clip"],
            max_completion_length=hyper["max_completion_length"],
            max_prompt_length=None,
            per_device_train_batch_size=hyper["group_size"],
            bf16=True,
            logging_steps=1,
            save_strategy="epoch",
            report_to="none",
        )
        trainer = GRPOTrainer(
            model=config["model"],
            reward_funcs=[reward],
            args=arguments,
            train_dataset=dataset["train"],
        )
    trainer.train()
    trainer.save_model(config["output_dir"])
    print(f"Saving model checkpoint to {config['output_dir']}", flush=True)


if __name__ == "__main__":
    main()
