/** The file name of the DeepSpeed config written into a prepared stage folder. */
export const DEEPSPEED_CONFIG_FILE = 'ds_z3_config.json';

/**
 * A DeepSpeed ZeRO-3 config for the HF Trainer integration (TRL, LLaMA-Factory), as the paper ran
 * its full fine-tuning (FACTS 2: bf16, ZeRO-3). `"auto"` values are filled by transformers from
 * the TrainingArguments; the 16-bit weights are gathered on save so the checkpoint is a plain HF
 * folder that `vllm serve` and the next SFT round load.
 */
export function deepSpeedZero3Config(): Record<string, unknown> {
  return {
    train_batch_size: 'auto',
    train_micro_batch_size_per_gpu: 'auto',
    gradient_accumulation_steps: 'auto',
    gradient_clipping: 'auto',
    zero_allow_untested_optimizer: true,
    bf16: { enabled: 'auto' },
    fp16: { enabled: 'auto' },
    zero_optimization: {
      stage: 3,
      overlap_comm: false,
      contiguous_gradients: true,
      sub_group_size: 1e9,
      reduce_bucket_size: 'auto',
      stage3_prefetch_bucket_size: 'auto',
      stage3_param_persistence_threshold: 'auto',
      stage3_max_live_parameters: 1e9,
      stage3_max_reuse_distance: 1e9,
      stage3_gather_16bit_weights_on_model_save: true,
    },
  };
}
