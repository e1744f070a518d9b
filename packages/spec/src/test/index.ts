export { MOCK_ANSWER, MockModel, type MockModelOptions, type MockPrompt } from './mock-model';
