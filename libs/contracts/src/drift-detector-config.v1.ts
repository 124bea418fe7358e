import { z } from 'zod';
import { domainName, storableText } from './common-fields';
import { driftMetricName } from './drift-metric';

/**
 * Detector parameters, exactly River's (online-ml/river `river/drift/`), camelCased, with River's defaults when absent.
 * The bounds mirror the checks of `@chorus/drift`'s constructors (which drift-watch and the gateway also run), so a
 * configuration that passes here builds a detector; unknown keys are refused rather than ignored.
 */
const integer = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: `${name} must be an integer` })
    .int(`${name} must be an integer`)
    .min(min, `${name} must be ≥ ${min}`)
    .max(max, `${name} must be ≤ ${max}`);
const openUnit = (name: string) =>
  z.number({ error: `${name} must be a number in (0, 1)` }).gt(0, `${name} must be > 0`).lt(1, `${name} must be < 1`);
const positive = (name: string) => z.number({ error: `${name} must be a number > 0` }).gt(0, `${name} must be > 0`).finite();
const mode = z.enum(['up', 'down', 'both'], { error: 'mode must be "up", "down" or "both"' });

export const adwinParamsV1 = z.strictObject({
  delta: openUnit('delta').optional(),
  clock: integer('clock', 1).optional(),
  maxBuckets: integer('maxBuckets', 1).optional(),
  minWindowLength: integer('minWindowLength', 1).optional(),
  gracePeriod: integer('gracePeriod', 0).optional(),
});

export const pageHinkleyParamsV1 = z.strictObject({
  minInstances: integer('minInstances', 0).optional(),
  delta: z.number({ error: 'delta must be a number ≥ 0' }).min(0, 'delta must be ≥ 0').finite().optional(),
  threshold: positive('threshold').optional(),
  alpha: z.number({ error: 'alpha must be a number in (0, 1]' }).gt(0, 'alpha must be > 0').max(1, 'alpha must be ≤ 1').optional(),
  mode: mode.optional(),
});

export const cusumParamsV1 = z.strictObject({
  minInstances: integer('minInstances', 1).optional(),
  slack: z.number({ error: 'slack must be a number ≥ 0' }).min(0, 'slack must be ≥ 0').finite().optional(),
  threshold: positive('threshold').optional(),
  mode: mode.optional(),
});

export const kswinParamsV1 = z
  .strictObject({
    alpha: z.number({ error: 'alpha must be a number in [0, 1]' }).min(0, 'alpha must be ≥ 0').max(1, 'alpha must be ≤ 1').optional(),
    windowSize: integer('windowSize', 2).optional(),
    statSize: integer('statSize', 1, 10_000).optional(),
    /** Seed of the comparison-sample generator; give one so that a replay draws the same samples. */
    seed: integer('seed', 0).optional(),
  })
  .refine((p) => (p.windowSize ?? 100) >= 2 * (p.statSize ?? 30), {
    message: 'windowSize must be at least 2 × statSize (defaults 100 and 30): the comparison sample is drawn from the windowSize − statSize oldest values',
    path: ['windowSize'],
  });

export const ddmParamsV1 = z
  .strictObject({
    warmStart: integer('warmStart', 0).optional(),
    warningThreshold: positive('warningThreshold').optional(),
    driftThreshold: positive('driftThreshold').optional(),
  })
  .refine((p) => (p.warningThreshold ?? 2) <= (p.driftThreshold ?? 3), {
    message: 'warningThreshold must not exceed driftThreshold (defaults 2 and 3), otherwise no warning can precede a drift',
    path: ['warningThreshold'],
  });

export const eddmParamsV1 = z
  .strictObject({
    warmStart: integer('warmStart', 0).optional(),
    alpha: z.number({ error: 'alpha must be a number in (0, 1]' }).gt(0, 'alpha must be > 0').max(1, 'alpha must be ≤ 1').optional(),
    beta: z.number({ error: 'beta must be a number in (0, 1]' }).gt(0, 'beta must be > 0').max(1, 'beta must be ≤ 1').optional(),
  })
  .refine((p) => (p.alpha ?? 0.95) >= (p.beta ?? 0.9), {
    message: 'alpha (the warning level, default 0.95) must be ≥ beta (the drift level, default 0.9)',
    path: ['beta'],
  });

const confidences = {
  driftConfidence: openUnit('driftConfidence').optional(),
  warningConfidence: openUnit('warningConfidence').optional(),
  twoSidedTest: z.boolean({ error: 'twoSidedTest must be true or false' }).optional(),
};
const confidenceOrder = {
  message: 'driftConfidence must not exceed warningConfidence (defaults 0.001 and 0.005): the drift test must be the stricter one',
  path: ['driftConfidence'],
};

export const hddmAParamsV1 = z
  .strictObject(confidences)
  .refine((p) => (p.driftConfidence ?? 0.001) <= (p.warningConfidence ?? 0.005), confidenceOrder);

export const hddmWParamsV1 = z
  .strictObject({
    ...confidences,
    lambdaVal: z.number({ error: 'lambdaVal must be a number in (0, 1]' }).gt(0, 'lambdaVal must be > 0').max(1, 'lambdaVal must be ≤ 1').optional(),
  })
  .refine((p) => (p.driftConfidence ?? 0.001) <= (p.warningConfidence ?? 0.005), confidenceOrder);

export const BINARY_DETECTORS = ['DDM', 'EDDM', 'HDDM_A', 'HDDM_W'] as const;
export const DRIFT_DETECTORS = ['ADWIN', 'PageHinkley', 'CUSUM', 'KSWIN', ...BINARY_DETECTORS] as const;
export type DriftDetectorName = (typeof DRIFT_DETECTORS)[number];
export const driftDetectorName = z.enum(DRIFT_DETECTORS, { error: `detector must be one of ${DRIFT_DETECTORS.join(', ')}` });

/**
 * How a metric is watched in a domain, apart from the detector itself:
 *
 * - `direction`: the change watched. Real-valued detectors see the metric itself and a drift counts only if the metric
 *   moved this way from its baseline; binary detectors (DDM, EDDM, HDDM_A/W) see one bit per observation, 1 when the
 *   value lies beyond `binaryThreshold` in this direction, so they need `up` or `down` and a threshold.
 * - `harmful`: the domain policy. A watched change is an alert when harmful, and only counted as an expected change
 *   otherwise (e.g. narrowing in `code`).
 * - `criticalChange`: |value − baseline| at or beyond which an alert is `critical` rather than `warning`.
 * - `referenceSize`: observations averaged into the baseline after the detector (re)starts.
 */
const policyFields = {
  direction: z.enum(['up', 'down', 'both'], { error: 'direction must be "up", "down" or "both"' }),
  harmful: z.boolean({ error: 'harmful must be true (alert) or false (an expected change, counted only)' }),
  criticalChange: positive('criticalChange'),
  binaryThreshold: z.number({ error: 'binaryThreshold must be a finite number' }).finite().optional(),
  referenceSize: integer('referenceSize', 1, 10_000).default(20),
  enabled: z.boolean({ error: 'enabled must be true or false' }).default(true),
  comment: storableText('comment', { max: 500 }).optional(),
};

const bodyMember = <D extends DriftDetectorName, P extends z.ZodType>(detector: D, params: P) =>
  z.strictObject({ detector: z.literal(detector), params: params.prefault({} as never), ...policyFields });

/** PUT /v1/admin/drift/config/:domain/:metric — one new version of a metric's detector configuration in a domain. */
export const driftDetectorConfigBodyV1 = z
  .discriminatedUnion(
    'detector',
    [
      bodyMember('ADWIN', adwinParamsV1),
      bodyMember('PageHinkley', pageHinkleyParamsV1),
      bodyMember('CUSUM', cusumParamsV1),
      bodyMember('KSWIN', kswinParamsV1),
      bodyMember('DDM', ddmParamsV1),
      bodyMember('EDDM', eddmParamsV1),
      bodyMember('HDDM_A', hddmAParamsV1),
      bodyMember('HDDM_W', hddmWParamsV1),
    ],
    { error: `detector must be one of ${DRIFT_DETECTORS.join(', ')}` },
  )
  .superRefine((config, ctx) => {
    const binary = (BINARY_DETECTORS as readonly string[]).includes(config.detector);
    if (binary && config.binaryThreshold === undefined) {
      ctx.addIssue({ code: 'custom', path: ['binaryThreshold'], message: `${config.detector} watches bits: give binaryThreshold (an observation beyond it in the watched direction is a 1)` });
    }
    if (binary && config.direction === 'both') {
      ctx.addIssue({ code: 'custom', path: ['direction'], message: `${config.detector} watches bits: direction must be "up" or "down" (which side of binaryThreshold is a 1)` });
    }
    if (!binary && config.binaryThreshold !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['binaryThreshold'], message: `${config.detector} watches real values; binaryThreshold applies only to DDM, EDDM, HDDM_A and HDDM_W` });
    }
  });

export type DriftDetectorConfigBodyV1 = z.output<typeof driftDetectorConfigBodyV1>;
export type DriftDetectorConfigBodyInputV1 = z.input<typeof driftDetectorConfigBodyV1>;

/** The domain a configuration row applies to: a domain name, or `*` for every domain without its own row. */
export const driftConfigDomain = z.union([z.literal('*'), domainName], { error: 'domain must be a domain name (e.g. "news") or "*" for the default' });

/** A stored configuration version, as the admin API returns it and drift-watch loads it. */
export const driftDetectorConfigV1 = z.intersection(
  driftDetectorConfigBodyV1,
  z.object({
    metric: driftMetricName,
    domain: driftConfigDomain,
    version: z.number().int().min(1),
    createdAt: z.string(),
  }),
);

export type DriftDetectorConfigV1 = z.output<typeof driftDetectorConfigV1>;
