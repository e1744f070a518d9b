/**
 * The FACS Action Units numbered 1-46 (Ekman, Friesen & Hager, "Facial Action Coding System",
 * 2002 manual and Investigator's Guide): the main codes 1-28 (FACS never assigned 3), the
 * miscellaneous/gross-behaviour codes 29-40 (8 "lips toward each other" and 40 "sniff" are
 * defined there too), and the eye and lid actions 41-46. Head (51-58) and eye-position (61-64)
 * codes are not Action Units of the face and are left out. `promptName` is the short name the Facial-R1 prompt uses (FACTS 4) where it
 * differs from the FACS 2002 name. `phrases` are plain-language descriptions people and models
 * write for the action, lower-case, each unambiguous between AUs.
 */
const ACTION_UNIT_DATA = {
  1: {
    name: 'Inner Brow Raiser',
    muscles: 'frontalis, pars medialis',
    region: 'brows',
    phrases: [
      'raised inner brows',
      'inner brows raised',
      'inner eyebrows raised',
      'raised inner eyebrows',
      'inner corners of the eyebrows raised',
      'inner brow raise',
    ],
  },
  2: {
    name: 'Outer Brow Raiser',
    muscles: 'frontalis, pars lateralis',
    region: 'brows',
    phrases: [
      'raised outer brows',
      'outer brows raised',
      'outer eyebrows raised',
      'raised outer eyebrows',
      'outer brow raise',
      'arched eyebrows',
    ],
  },
  4: {
    name: 'Brow Lowerer',
    muscles: 'depressor glabellae, depressor supercilii, corrugator supercilii',
    region: 'brows',
    phrases: [
      'furrowed brows',
      'furrowed brow',
      'eyebrows drawn together',
      'brows drawn together',
      'eyebrows pulled together',
      'brows pulled together',
      'lowered brows',
      'lowered eyebrows',
      'knitted brows',
      'frowning brows',
    ],
  },
  5: {
    name: 'Upper Lid Raiser',
    muscles: 'levator palpebrae superioris',
    region: 'eyes',
    phrases: [
      'raised upper eyelids',
      'upper eyelids raised',
      'upper lids raised',
      'wide eyes',
      'wide-open eyes',
      'widened eyes',
      'eyes wide open',
      'staring eyes',
    ],
  },
  6: {
    name: 'Cheek Raiser',
    muscles: 'orbicularis oculi, pars orbitalis',
    region: 'cheeks',
    phrases: [
      'raised cheeks',
      'cheeks raised',
      'cheeks lifted',
      'lifted cheeks',
      "crow's feet",
      'crows feet',
      'smiling eyes',
    ],
  },
  7: {
    name: 'Lid Tightener',
    muscles: 'orbicularis oculi, pars palpebralis',
    region: 'eyes',
    phrases: [
      'tightened eyelids',
      'tightened lids',
      'eyelids tightened',
      'lids tightened',
      'narrowed eyes',
      'eyes narrowed',
      'squinted eyes',
    ],
  },
  8: {
    name: 'Lips Toward Each Other',
    muscles: 'orbicularis oris',
    region: 'mouth',
    phrases: ['lips pulled toward each other', 'lips moved toward each other'],
  },
  9: {
    name: 'Nose Wrinkler',
    muscles: 'levator labii superioris alaeque nasi',
    region: 'nose',
    phrases: ['wrinkled nose', 'nose wrinkled', 'nose wrinkling', 'wrinkling of the nose', 'scrunched nose'],
  },
  10: {
    name: 'Upper Lip Raiser',
    muscles: 'levator labii superioris, caput infraorbitalis',
    region: 'mouth',
    phrases: [
      'raised upper lip',
      'upper lip raised',
      'lifted upper lip',
      'upper lip lifted',
      'curled upper lip',
    ],
  },
  11: {
    name: 'Nasolabial Deepener',
    promptName: 'nasolabial furrow deepener',
    muscles: 'zygomaticus minor',
    region: 'cheeks',
    phrases: ['deepened nasolabial furrow', 'deepened nasolabial folds', 'nasolabial fold deepened'],
  },
  12: {
    name: 'Lip Corner Puller',
    muscles: 'zygomaticus major',
    region: 'mouth',
    phrases: [
      'smile',
      'smiling',
      'lip corners pulled up',
      'lip corners pulled upward',
      'corners of the mouth pulled up',
      'corners of the mouth raised',
      'raised lip corners',
      'upturned mouth corners',
      'mouth corners turned up',
    ],
  },
  13: {
    name: 'Sharp Lip Puller',
    promptName: 'cheek puffer',
    muscles: 'levator anguli oris (caninus)',
    region: 'mouth',
    phrases: ['sharply pulled lip corners', 'lip corners pulled sharply upward'],
  },
  14: {
    name: 'Dimpler',
    muscles: 'buccinator',
    region: 'mouth',
    phrases: ['dimples', 'dimpled cheeks', 'dimpling', 'tightened lip corners'],
  },
  15: {
    name: 'Lip Corner Depressor',
    muscles: 'depressor anguli oris (triangularis)',
    region: 'mouth',
    phrases: [
      'corners of the mouth turned down',
      'lip corners pulled down',
      'lip corners pulled downward',
      'downturned mouth',
      'downturned lips',
      'down-turned mouth corners',
      'depressed lip corners',
      'mouth corners turned down',
      'lip corners depressed',
    ],
  },
  16: {
    name: 'Lower Lip Depressor',
    muscles: 'depressor labii inferioris',
    region: 'mouth',
    phrases: ['lowered lower lip', 'lower lip pulled down', 'lower lip depressed'],
  },
  17: {
    name: 'Chin Raiser',
    muscles: 'mentalis',
    region: 'chin',
    phrases: ['raised chin', 'chin raised', 'chin boss raised', 'wrinkled chin', 'pushed-up lower lip'],
  },
  18: {
    name: 'Lip Pucker',
    muscles: 'incisivii labii superioris and incisivii labii inferioris',
    region: 'mouth',
    phrases: ['puckered lips', 'lips puckered', 'pursed lips', 'lips pursed'],
  },
  19: {
    name: 'Tongue Show',
    muscles: 'genioglossus (tongue)',
    region: 'mouth',
    phrases: ['tongue showing', 'tongue out', 'visible tongue'],
  },
  20: {
    name: 'Lip Stretcher',
    muscles: 'risorius with platysma',
    region: 'mouth',
    phrases: [
      'stretched lips',
      'lips stretched',
      'lips stretched horizontally',
      'horizontally stretched mouth',
      'stretched mouth',
    ],
  },
  21: {
    name: 'Neck Tightener',
    muscles: 'platysma',
    region: 'head',
    phrases: ['tightened neck', 'neck tightened', 'tense neck'],
  },
  22: {
    name: 'Lip Funneler',
    muscles: 'orbicularis oris',
    region: 'mouth',
    phrases: ['funneled lips', 'lips funneled', 'funnel-shaped lips'],
  },
  23: {
    name: 'Lip Tightener',
    muscles: 'orbicularis oris',
    region: 'mouth',
    phrases: ['tightened lips', 'lips tightened', 'thinned lips', 'lips thinned', 'narrowed lips'],
  },
  24: {
    name: 'Lip Pressor',
    muscles: 'orbicularis oris',
    region: 'mouth',
    phrases: [
      'pressed lips',
      'lips pressed',
      'lips pressed together',
      'pressed-together lips',
      'compressed lips',
    ],
  },
  25: {
    name: 'Lips Part',
    muscles: 'depressor labii inferioris, or relaxation of mentalis or orbicularis oris',
    region: 'mouth',
    phrases: ['parted lips', 'lips parted', 'lips apart', 'slightly open mouth', 'lips slightly apart'],
  },
  26: {
    name: 'Jaw Drop',
    muscles: 'masseter relaxed; temporalis and internal pterygoid relaxed',
    region: 'jaw',
    phrases: [
      'dropped jaw',
      'jaw dropped',
      'lowered jaw',
      'jaw lowered',
      'open mouth',
      'mouth open',
      'mouth dropped open',
    ],
  },
  27: {
    name: 'Mouth Stretch',
    muscles: 'pterygoids, digastric',
    region: 'jaw',
    phrases: ['mouth stretched open', 'wide-open mouth', 'mouth wide open', 'gaping mouth'],
  },
  28: {
    name: 'Lip Suck',
    muscles: 'orbicularis oris',
    region: 'mouth',
    phrases: ['sucked-in lips', 'lips sucked in', 'lips drawn in'],
  },
  29: {
    name: 'Jaw Thrust',
    muscles: 'pterygoids (lateral)',
    region: 'jaw',
    phrases: ['jaw thrust forward', 'protruding jaw', 'jutting jaw'],
  },
  30: {
    name: 'Jaw Sideways',
    muscles: 'pterygoids, temporalis',
    region: 'jaw',
    phrases: ['jaw moved sideways', 'jaw shifted sideways'],
  },
  31: {
    name: 'Jaw Clencher',
    muscles: 'masseter',
    region: 'jaw',
    phrases: ['clenched jaw', 'jaw clenched', 'clenched teeth'],
  },
  32: {
    name: 'Lip Bite',
    muscles: 'teeth on lip',
    region: 'mouth',
    phrases: ['bitten lip', 'biting the lip', 'lip bite'],
  },
  33: {
    name: 'Cheek Blow',
    muscles: 'buccinator (air)',
    region: 'cheeks',
    phrases: ['blown-out cheeks', 'cheeks blown out'],
  },
  34: {
    name: 'Cheek Puff',
    muscles: 'buccinator (air, lips closed)',
    region: 'cheeks',
    phrases: ['cheeks puffed out'],
  },
  35: {
    name: 'Cheek Suck',
    muscles: 'buccinator (suction)',
    region: 'cheeks',
    phrases: ['sucked-in cheeks', 'cheeks sucked in', 'hollowed cheeks'],
  },
  36: {
    name: 'Tongue Bulge',
    muscles: 'tongue',
    region: 'mouth',
    phrases: ['tongue bulge', 'bulging cheek from the tongue'],
  },
  37: {
    name: 'Lip Wipe',
    muscles: 'tongue',
    region: 'mouth',
    phrases: ['lip wipe', 'tongue wiping the lips', 'licked lips'],
  },
  38: {
    name: 'Nostril Dilator',
    muscles: 'nasalis, pars alaris',
    region: 'nose',
    phrases: ['flared nostrils', 'nostrils flared', 'dilated nostrils'],
  },
  39: {
    name: 'Nostril Compressor',
    muscles: 'nasalis, pars transversa and depressor septi nasi',
    region: 'nose',
    phrases: ['compressed nostrils', 'narrowed nostrils'],
  },
  40: {
    name: 'Sniff',
    muscles: 'nasal inhalation (no single facial muscle)',
    region: 'nose',
    phrases: ['sniffing', 'a sniff'],
  },
  41: {
    name: 'Lid Droop',
    muscles: 'relaxation of levator palpebrae superioris',
    region: 'eyes',
    phrases: ['drooping eyelids', 'drooping upper eyelids', 'droopy eyelids', 'lids drooping'],
  },
  42: {
    name: 'Slit',
    muscles: 'orbicularis oculi',
    region: 'eyes',
    phrases: ['slitted eyes', 'eyes reduced to slits'],
  },
  43: {
    name: 'Eyes Closed',
    muscles: 'relaxation of levator palpebrae superioris; orbicularis oculi, pars palpebralis',
    region: 'eyes',
    phrases: ['closed eyes', 'eyes closed', 'shut eyes', 'eyes shut'],
  },
  44: {
    name: 'Squint',
    muscles: 'orbicularis oculi, pars palpebralis',
    region: 'eyes',
    phrases: ['squint'],
  },
  45: {
    name: 'Blink',
    muscles: 'relaxation of levator palpebrae superioris; orbicularis oculi',
    region: 'eyes',
    phrases: ['blink', 'blinking'],
  },
  46: {
    name: 'Wink',
    muscles: 'relaxation of levator palpebrae superioris; orbicularis oculi (one side)',
    region: 'eyes',
    phrases: ['wink', 'winking'],
  },
} as const satisfies Record<
  number,
  {
    readonly name: string;
    readonly promptName?: string;
    readonly muscles: string;
    readonly region: 'brows' | 'eyes' | 'nose' | 'cheeks' | 'mouth' | 'chin' | 'jaw' | 'head';
    readonly phrases: readonly string[];
  }
>;

/** A FACS main Action Unit code (1-46 where FACS defines one). */
export type AuCode = keyof typeof ACTION_UNIT_DATA;
/** A canonical AU id: `AU` + the code without zero padding (`AU4`). */
export type AuId = `AU${number}`;
/** Face region an AU acts on. */
export type FaceRegion = (typeof ACTION_UNIT_DATA)[AuCode]['region'];

/** One Action Unit with its id and names. */
export interface ActionUnit {
  /** The FACS code. */
  readonly code: AuCode;
  /** `AU<code>`. */
  readonly id: AuId;
  /** The FACS 2002 name ("Brow Lowerer"). */
  readonly name: string;
  /** The name the Facial-R1 prompt uses, lower-case ("brow lowerer"). */
  readonly promptName: string;
  /** Muscular basis. */
  readonly muscles: string;
  /** The face region it acts on. */
  readonly region: FaceRegion;
  /** Plain-language phrases for the action, lower-case. */
  readonly phrases: readonly string[];
}

/** Every defined FACS AU code 1-46, ascending (derived from the table, never typed twice). */
export const AU_CODES: readonly AuCode[] = Object.freeze(
  Object.keys(ACTION_UNIT_DATA)
    .map(Number)
    .sort((a, b) => a - b) as AuCode[],
);

/** Every Action Unit by code. */
export const ACTION_UNITS = Object.fromEntries(
  AU_CODES.map((code) => {
    const data = ACTION_UNIT_DATA[code] as (typeof ACTION_UNIT_DATA)[AuCode] & { promptName?: string };
    const unit: ActionUnit = {
      code,
      id: `AU${code}`,
      name: data.name,
      promptName: data.promptName ?? data.name.toLowerCase(),
      muscles: data.muscles,
      region: data.region,
      phrases: data.phrases,
    };
    return [code, Object.freeze(unit)];
  }),
) as Readonly<Record<AuCode, ActionUnit>>;

/** Every Action Unit, by ascending code. */
export const ACTION_UNIT_LIST: readonly ActionUnit[] = AU_CODES.map((code) => ACTION_UNITS[code]);

const AU_FORM = /^\s*(?:a\s*u|action\s+unit)?\s*[-_ ]?\s*0*(\d{1,3})\s*$/i;

/**
 * The numeric code of an AU written in any form {@link toAuId} accepts, or -1. The common
 * spellings (`AU12`, `au04`, digits, numbers) are read without a regular expression: this runs
 * for every AU of every completion a reward scores.
 */
export function auCodeOf(input: string | number): number {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 && input < 1000 ? input : -1;
  const length = input.length;
  let position = 0;
  if (length >= 3) {
    const first = input.charCodeAt(0) | 0x20;
    const second = input.charCodeAt(1) | 0x20;
    if (first === 0x61 && second === 0x75) position = 2;
  }
  if (position === length || length - position > 3) return codeBySlowPath(input);
  let code = 0;
  for (let index = position; index < length; index += 1) {
    const digit = input.charCodeAt(index) - 0x30;
    if (digit < 0 || digit > 9) return codeBySlowPath(input);
    code = code * 10 + digit;
  }
  return code;
}

function codeBySlowPath(input: string): number {
  const match = AU_FORM.exec(input);
  return match ? Number(match[1]) : -1;
}

/**
 * The canonical id of an AU written as `AU04`, `au4`, `AU 4`, `AU-4`, `Action Unit 4`, `4` or
 * the number 4; null when the input is not an AU code form. Any code 0-999 is accepted (use
 * {@link isFacsAu} to check that FACS defines it).
 */
export function toAuId(input: string | number): AuId | null {
  const code = auCodeOf(input);
  return code < 0 ? null : `AU${code}`;
}

/** True when `id` (any spelling `toAuId` accepts) is a FACS-defined main AU. */
export function isFacsAu(id: string | number): boolean {
  const code = auCodeOf(id);
  return code >= 0 && Object.hasOwn(ACTION_UNIT_DATA, code);
}

/** The Action Unit for a code or id in any spelling, or undefined. */
export function getActionUnit(codeOrId: number | string): ActionUnit | undefined {
  const code = auCodeOf(codeOrId);
  return code >= 0 && Object.hasOwn(ACTION_UNITS, code) ? ACTION_UNITS[code as AuCode] : undefined;
}

/** FACS intensity letters, trace to maximum. */
export const INTENSITIES = ['A', 'B', 'C', 'D', 'E'] as const;
/** A FACS intensity letter. */
export type Intensity = (typeof INTENSITIES)[number];
/** What each intensity letter means. */
export const INTENSITY_MEANINGS = {
  A: 'trace',
  B: 'slight',
  C: 'marked or pronounced',
  D: 'severe or extreme',
  E: 'maximum',
} as const satisfies Record<Intensity, string>;

/** FACS laterality prefixes: left, right, unilateral (side unspecified). */
export const LATERALITIES = ['L', 'R', 'U'] as const;
/** A FACS laterality prefix. */
export type Laterality = (typeof LATERALITIES)[number];
/** What each laterality prefix means (`R12A` = right lip corner puller, trace). */
export const LATERALITY_MEANINGS = {
  L: 'left side only',
  R: 'right side only',
  U: 'one side (unspecified)',
} as const satisfies Record<Laterality, string>;
