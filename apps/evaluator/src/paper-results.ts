/**
 * Published results for the paper's table columns (FACTS 6), keyed `<benchmark>/<metric>`
 * like `paperCells`: F1 and accuracy as fractions, REGE and judge score as printed.
 */
export const PAPER_RESULTS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'Facial-R1': {
    'disfa/auF1': 0.731,
    'bp4d/auF1': 0.674,
    'raf-au/auF1': 0.702,
    'faba/auF1': 0.683,
    'fer2013/accuracy': 0.698,
    'affectnet/accuracy': 0.652,
    'rafdb/accuracy': 0.921,
    'faba/accuracy': 0.678,
    'faba/rege': 95.5,
    'fea20k/rougeL': 0.373,
    'fea20k/judge': 6.09,
  },
  'GPT-4o (zero-shot)': {
    'disfa/auF1': 0.565,
    'bp4d/auF1': 0.595,
    'raf-au/auF1': 0.512,
    'faba/auF1': 0.472,
    'fer2013/accuracy': 0.611,
    'affectnet/accuracy': 0.489,
    'rafdb/accuracy': 0.627,
    'faba/accuracy': 0.642,
    'fea20k/rougeL': 0.323,
    'fea20k/judge': 5.8,
  },
  EmoLA: { 'disfa/auF1': 0.651, 'bp4d/auF1': 0.642, 'rafdb/accuracy': 0.921, 'faba/rege': 96.2 },
  'Face-LLaVA': { 'disfa/auF1': 0.729, 'bp4d/auF1': 0.658 },
  ExpLLM: { 'rafdb/accuracy': 0.91, 'affectnet/accuracy': 0.629 },
};
