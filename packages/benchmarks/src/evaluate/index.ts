export {
  type EvaluationReport,
  type EvaluationRow,
  type EvaluationTarget,
  evaluate,
  type HeadlineMetric,
  type Prediction,
} from './evaluate';
export { formatHeadline, PAPER_COLUMNS, paperCells, renderMarkdownReport } from './markdown-report';
