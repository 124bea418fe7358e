import type { GroupRoundMeasures, RoundMeasures } from '@chorus/simulation';

/** A truth-side measure kept per planted group and round. */
export interface GroupMetric {
  readonly key:
    | 'regret'
    | 'auc'
    | 'minorityShare'
    | 'calibrationKl'
    | 'exposureEntropy'
    | 'consumptionEntropy'
    | 'homogenization'
    | 'stanceReinforcement'
    | 'stanceExtremityChange';
  readonly level: 'group';
  readonly title: string;
  /** The y axis title: short, since a rotated title longer than the plot is high makes the chart taller. */
  readonly axisTitle: string;
  /** What the number means and which way is better, in a sentence for the chart's caption. */
  readonly caption: string;
  readonly value: (measures: GroupRoundMeasures) => number | undefined;
  /** A reference drawn dashed beside the value (the users' true share beside the served share). */
  readonly reference?: { readonly label: string; readonly value: (measures: GroupRoundMeasures) => number | undefined };
}

/** A truth-side measure kept once per round (over the whole population). */
export interface RoundMetric {
  readonly key: 'polarization' | 'exposureGini' | 'populationHomogenization';
  readonly level: 'round';
  readonly title: string;
  readonly axisTitle: string;
  readonly caption: string;
  readonly value: (round: RoundMeasures) => number;
}

export type AuditMetric = GroupMetric | RoundMetric;

/** Every measure the report charts over rounds, in the order it shows them. */
export const AUDIT_METRICS: readonly AuditMetric[] = [
  {
    key: 'regret',
    axisTitle: 'regret',
    level: 'group',
    title: 'Regret of the served list',
    caption: 'True utility lost against the best n candidates the user was offered; lower is better.',
    value: (m) => m.regret,
  },
  {
    key: 'auc',
    axisTitle: 'AUC',
    level: 'group',
    title: 'AUC of the model against the truth',
    caption: 'How well the policy’s scores order the whole catalogue by the user’s true utility; 0.5 is chance, higher is better.',
    value: (m) => m.auc,
  },
  {
    key: 'minorityShare',
    axisTitle: 'minority share',
    level: 'group',
    title: 'Minority-interest share: served (solid) against true (dashed)',
    caption: 'Share of the served list in the user’s minority interests, beside the share those interests have in the user’s true taste (users with a minority interest only).',
    value: (m) => m.minorityShare,
    reference: { label: 'true share', value: (m) => m.trueMinorityShare },
  },
  {
    key: 'calibrationKl',
    axisTitle: 'C_KL',
    level: 'group',
    title: 'Miscalibration C_KL against the true profile',
    caption: 'Steck’s KL divergence of the list’s category mix from the user’s true taste; lower is better calibrated.',
    value: (m) => m.calibrationKl,
  },
  {
    key: 'exposureEntropy',
    axisTitle: 'exposure entropy',
    level: 'group',
    title: 'Exposure entropy',
    caption: 'Normalised category entropy of the served lists; lower means narrower feeds.',
    value: (m) => m.exposureEntropy,
  },
  {
    key: 'consumptionEntropy',
    axisTitle: 'consumption entropy',
    level: 'group',
    title: 'Consumption entropy',
    caption: 'Normalised category entropy of what users consumed in the round (users who consumed something); lower means narrower consumption.',
    value: (m) => m.consumptionEntropy,
  },
  {
    key: 'homogenization',
    axisTitle: 'Jaccard',
    level: 'group',
    title: 'Homogenization with true-taste neighbours',
    caption:
      'Jaccard index of each user’s consumed items so far with those of the user closest in true taste (Chaney et al. 2018’s pairing); rising means alike users are pushed onto the same items.',
    value: (m) => m.homogenization,
  },
  {
    key: 'stanceReinforcement',
    axisTitle: 'reinforcement',
    level: 'group',
    title: 'Stance reinforcement',
    caption: 'Mean of item stance × user stance over served items; positive means lists agree with the user.',
    value: (m) => m.stanceReinforcement,
  },
  {
    key: 'stanceExtremityChange',
    axisTitle: 'Δ |stance|',
    level: 'group',
    title: 'Change in true stance extremity',
    caption: 'Mean |stance| now minus |stance| at planting; positive means users became more extreme.',
    value: (m) => m.stanceExtremityChange,
  },
  {
    key: 'polarization',
    axisTitle: 'polarization',
    level: 'round',
    title: 'Polarization of true stances (Esteban–Ray)',
    caption: 'Over the whole population after each round; higher means more polarized.',
    value: (r) => r.polarization,
  },
  {
    key: 'exposureGini',
    axisTitle: 'Gini',
    level: 'round',
    title: 'Exposure Gini over the catalogue',
    caption: 'Concentration of the round’s exposures over items; 0 is even, 1 is everything on one item.',
    value: (r) => r.exposureGini,
  },
  {
    key: 'populationHomogenization',
    axisTitle: 'Jaccard',
    level: 'round',
    title: 'Homogenization over random pairs of users',
    caption: 'Mean Jaccard index of consumed items so far over random pairs of users; rising means everyone is pushed onto the same items.',
    value: (r) => r.homogenization,
  },
];
