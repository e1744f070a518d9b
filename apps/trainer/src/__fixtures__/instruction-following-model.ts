import { MockModel } from '@facial-r1/spec/test';

/**
 * A small deterministic local model for the synthesis step of `fea-train run` tests: it reads
 * the ground-truth hint of the synthesis prompt ("exactly these Action Units: ...", "final
 * answer must be: ...") and writes reasoning that cites those AUs and gives that answer.
 */
export class InstructionFollowingModel extends MockModel {
  constructor() {
    super({
      provider: 'local',
      modelId: 'instruction-follower',
      respond: ({ text }) => {
        const aus =
          /exactly these Action Units: ([^;\n]+);/
            .exec(text)?.[1]
            ?.split(', ')
            .filter((au) => au.startsWith('AU')) ?? [];
        const answer = /final answer must be: ([a-z]+)\./.exec(text)?.[1] ?? 'neutral';
        return `<think>Looking closely at the face, ${aus.map((au) => `the muscles of ${au} are active (${au})`).join(' and ')}, so the expression reads as ${answer}.</think><answer>${answer}</answer>`;
      },
    });
  }
}
