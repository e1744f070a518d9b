/** Writes progress: one rewritten line on a terminal, plain lines (at most one per `interval`) otherwise. */
export class ProgressReporter {
  private lastPlain = 0;
  private lineOpen = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 2_000,
  ) {}

  private get tty(): boolean {
    return Boolean(this.stream.isTTY) && !process.env.CI;
  }

  /** Updates the current progress line. */
  update(text: string): void {
    if (this.tty) {
      const width = this.stream.columns ?? 100;
      this.stream.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
      this.lineOpen = true;
      return;
    }
    const now = Date.now();
    if (now - this.lastPlain < this.intervalMs) return;
    this.lastPlain = now;
    this.stream.write(`${text}\n`);
  }

  /** Prints a line that stays (a step started or finished). */
  log(text: string): void {
    if (this.lineOpen) {
      this.stream.write('\r\x1b[2K');
      this.lineOpen = false;
    }
    this.stream.write(`${text}\n`);
  }
}

/** `12/400 (3.0%) reward 0.41 loss 0.12` */
export function describeProgress(progress: {
  step?: number;
  totalSteps?: number;
  reward?: number;
  loss?: number;
  done?: number;
  total?: number;
}): string {
  const parts: string[] = [];
  const done = progress.step ?? progress.done;
  const total = progress.totalSteps ?? progress.total;
  if (done !== undefined) {
    parts.push(total ? `${done}/${total} (${((100 * done) / total).toFixed(1)}%)` : `step ${done}`);
  }
  if (progress.reward !== undefined) parts.push(`reward ${progress.reward.toFixed(3)}`);
  if (progress.loss !== undefined) parts.push(`loss ${progress.loss.toFixed(4)}`);
  return parts.join('  ');
}
