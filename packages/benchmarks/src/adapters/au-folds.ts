/**
 * The standard subject-exclusive 3-fold protocols of AU detection (as in JAA-Net, Shao et al.
 * 2018, and ME-GraphAU, Luo et al. 2022, which published these lists).
 */
export const BP4D_FOLDS = [
  [
    'F001',
    'M007',
    'F018',
    'F008',
    'F002',
    'M004',
    'F010',
    'F009',
    'M012',
    'M001',
    'F016',
    'M014',
    'F023',
    'M008',
  ],
  [
    'M011',
    'F003',
    'M010',
    'M002',
    'F005',
    'F022',
    'M018',
    'M017',
    'F013',
    'M016',
    'F020',
    'F011',
    'M013',
    'M005',
  ],
  ['F007', 'F015', 'F006', 'F019', 'M006', 'M009', 'F012', 'M003', 'F004', 'F021', 'F017', 'M015', 'F014'],
] as const;

export const DISFA_FOLDS = [
  ['SN002', 'SN010', 'SN001', 'SN026', 'SN027', 'SN032', 'SN030', 'SN009', 'SN016'],
  ['SN013', 'SN018', 'SN011', 'SN028', 'SN012', 'SN006', 'SN031', 'SN021', 'SN024'],
  ['SN003', 'SN029', 'SN023', 'SN025', 'SN008', 'SN005', 'SN007', 'SN017', 'SN004'],
] as const;
