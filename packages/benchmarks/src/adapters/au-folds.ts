/*
 * The standard subject-exclusive 3-fold protocols of AU detection, as published by JAA-Net
 * (Shao et al., ECCV 2018; README "BP4D_Sequence_split" / "DISFA_Sequence_split") and reused
 * by ME-GraphAU (Luo et al., IJCAI 2022): CVI-SZU/ME-GraphAU `tool/BP4D_image_label_process.py`
 * (`BP4D_Sequence_split`) and `tool/DISFA_image_label_process.py` (`part1`..`part3`), checked
 * entry by entry. Here `fold: k` tests on part k and trains on the other two; ME-GraphAU names
 * the fold that tests on part 3 "fold1" (its fold1 = our 2, fold2 = 1, fold3 = 0).
 */

/** BP4D: 41 subjects (F001-F023, M001-M018) in three parts of 14, 14 and 13. */
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

/** DISFA: the 27 subjects (SN001-SN032 minus the five never released) in three parts of 9. */
export const DISFA_FOLDS = [
  ['SN002', 'SN010', 'SN001', 'SN026', 'SN027', 'SN032', 'SN030', 'SN009', 'SN016'],
  ['SN013', 'SN018', 'SN011', 'SN028', 'SN012', 'SN006', 'SN031', 'SN021', 'SN024'],
  ['SN003', 'SN029', 'SN023', 'SN025', 'SN008', 'SN005', 'SN007', 'SN017', 'SN004'],
] as const;
