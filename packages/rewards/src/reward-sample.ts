/** What a reward reads from a sample (FEA-20K field names); other fields are ignored. */
export interface RewardSample {
  /** Emotion labels; the first is the ground truth. Empty or absent for AU-only datasets. */
  readonly labels?: readonly string[];
  /** Ground-truth AU ids. Empty or absent when the dataset has no AU labels. */
  readonly AUs?: readonly string[];
}

/** One term's outcome. */
export interface TermResult {
  readonly value: number;
  /** Why, in a few words (shown in logs and the server's extra logs). */
  readonly reason?: string;
}
