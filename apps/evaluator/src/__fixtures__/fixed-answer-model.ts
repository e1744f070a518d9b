import { MockModel } from '@facial-r1/spec/test';

/**
 * A deterministic local model for end-to-end tests (served over real HTTP): every face gets
 * the same AU-grounded happiness analysis (`MOCK_ANSWER`), after an optional delay.
 */
export class FixedAnswerModel extends MockModel {
  constructor(delayMs = 0) {
    super({ delayMs, provider: 'local', modelId: 'fixed-answer' });
  }
}
