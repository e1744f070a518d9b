/** One supervised example: the user prompt, the target completion and the image. */
export interface SftExample {
  /** Stable sample id. */
  readonly id: string;
  /** Absolute path of the face image. */
  readonly image: string;
  /** The user turn's text, without any image placeholder. */
  readonly prompt: string;
  /** The assistant target: `<think>...</think><answer>...</answer>`. */
  readonly completion: string;
}
