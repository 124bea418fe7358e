import { describe, expect, it } from 'vitest';
import { gentleErrorStream, gentleGaussianStream } from '../fixtures/gentle-drift-streams.fixture';
import { ADWIN } from './adwin.detector';
import { CUSUM } from './cusum.detector';
import { DDM } from './ddm.detector';
import { EDDM } from './eddm.detector';
import { HDDM_A } from './hddm-a.detector';
import { HDDM_W } from './hddm-w.detector';
import { KSWIN } from './kswin.detector';
import { PageHinkley } from './page-hinkley.detector';

// Detection indices pinned as literals on small shifts (fixtures/gentle-drift-streams.fixture.ts): N(0, 1) → N(0.25, 1)
// after 1000 values for the real-valued detectors, error rate 10 % → 15 % (20 %, 25 % for the HDDMs, whose Hoeffding
// bounds rarely fire on 15 %) after 1000 bits for the binary ones, seeds 1–8. On such streams the index moves when any
// constant of a threshold moves, which River's example streams (a jump of several standard deviations) cannot show.
//
// Where the literals come from: the River transcription in fixtures/river-reference, run on these streams — not this
// code. river-reference.agreement.spec.ts checks on 40 seeds that this code and the transcription agree index for
// index. Binary detectors list every drift and, as River's docstring loop prints them, the first warning after the
// start and after each drift.

type Real = { update(x: number): unknown; readonly driftDetected: boolean };
type Binary = { update(x: 0 | 1): unknown; readonly driftDetected: boolean; readonly warningDetected: boolean };

function drifts(detector: Real, stream: readonly number[]): number[] {
  const found: number[] = [];
  stream.forEach((x, i) => {
    detector.update(x);
    if (detector.driftDetected) found.push(i);
  });
  return found;
}

/** Drift indices, and warning indices the way River's docstring loop prints them (`print_warning`). */
function episodes(detector: Binary, stream: readonly (0 | 1)[]): { drifts: number[]; warnings: number[] } {
  const found = { drifts: [] as number[], warnings: [] as number[] };
  let printWarning = true;
  stream.forEach((x, i) => {
    detector.update(x);
    if (detector.warningDetected && printWarning) {
      found.warnings.push(i);
      printWarning = false;
    }
    if (detector.driftDetected) {
      found.drifts.push(i);
      printWarning = true;
    }
  });
  return found;
}

const each = <T,>(table: Record<number, T>) => Object.entries(table).map(([seed, expected]) => [Number(seed), expected] as const);

describe('ADWIN on N(0, 1) → N(0.25, 1)', () => {
  it.each(each({
    1: [1343],
    2: [1535],
    3: [1791],
    4: [1855],
    5: [1503],
    6: [1247],
    7: [1535],
    8: [1183],
  }))('seed %i, defaults (clock 32): %j', (seed, expected) => {
    expect(drifts(new ADWIN(), gentleGaussianStream(seed))).toEqual(expected);
  });

  // clock = 1 checks every cut on every update, so the index moves by single ticks rather than by 32.
  it.each(each({
    1: [1303],
    2: [1518],
    3: [1436],
    4: [1832],
    5: [1495],
    6: [1212],
    7: [1528],
    8: [1152],
  }))('seed %i, clock 1: %j', (seed, expected) => {
    expect(drifts(new ADWIN({ clock: 1 }), gentleGaussianStream(seed))).toEqual(expected);
  });
});

describe('PageHinkley on N(0, 1) → N(0.25, 1)', () => {
  it.each(each({
    1: [1088, 2653],
    2: [681, 1304],
    3: [852],
    4: [1172, 2070],
    5: [1116, 2954],
    6: [1074, 1908, 2462],
    7: [669, 1167, 2986],
    8: [695, 1124, 1674],
  }))('seed %i, defaults: %j', (seed, expected) => {
    expect(drifts(new PageHinkley(), gentleGaussianStream(seed))).toEqual(expected);
  });

  it.each(each({
    1: [199, 976, 1077, 1444, 2118],
    2: [746, 888, 1055, 1215, 1287, 1901, 2418],
    3: [679, 921, 1063, 1685, 2330],
    4: [880, 1019, 1465, 1533, 1675, 1807, 2552, 2830, 2987],
    5: [262, 387, 729, 906, 1116, 1388, 2207, 2256, 2423, 2715],
    6: [938, 1072, 1243, 1605, 2026],
    7: [110, 211, 422, 565, 1030, 1118, 2343, 2677],
    8: [62, 1021, 1186, 1487, 1937],
  }))('seed %i, threshold 20, up: %j', (seed, expected) => {
    expect(drifts(new PageHinkley({ threshold: 20, mode: 'up' }), gentleGaussianStream(seed))).toEqual(expected);
  });
});

describe('CUSUM on N(0, 1) → N(0.25, 1) (k = 0.5σ, h = 5σ also alarm before the shift: the in-control run length is a few hundred)', () => {
  it.each(each({
    1: [46, 201, 385, 428, 854],
    2: [42, 507, 546, 584, 632, 690, 744, 789, 987, 1619, 1974, 2262],
    3: [311, 472, 778, 948, 1257, 1354, 1545],
    4: [48, 431, 837, 912, 950, 1018, 1065, 1288, 1478, 1772, 1890, 2126, 2184, 2222, 2275, 2377],
    5: [59, 302, 356, 457, 2257, 2461, 2496, 2546, 2753, 2837],
    6: [],
    7: [76, 562, 875, 1413, 1626, 1778, 1923, 1980, 2115, 2990],
    8: [57, 151, 262, 1157, 1591, 2521],
  }))('seed %i, defaults: %j', (seed, expected) => {
    expect(drifts(new CUSUM(), gentleGaussianStream(seed))).toEqual(expected);
  });
});

describe('KSWIN on N(0, 1) → N(0.25, 1) (sampling seed 7)', () => {
  it.each(each({
    1: [615, 747, 961, 1404, 1975],
    2: [413, 734, 1992, 2104],
    3: [503, 1936],
    4: [643, 837, 2540],
    5: [236, 377, 526, 724, 847, 1170, 2788],
    6: [1184, 1936, 2650],
    7: [580, 1776, 1981, 2989],
    8: [185, 2240, 2364],
  }))('seed %i, defaults: %j', (seed, expected) => {
    expect(drifts(new KSWIN({ seed: 7 }), gentleGaussianStream(seed))).toEqual(expected);
  });

  // The KS p-value takes one value per D = h/statSize, so a threshold only matters where a p-value or a D lies near it.
  // With statSize 30, p(h = 13) = 0.00655 and p(h = 14) = 0.00253 (SciPy): every alpha in [0.00253, 0.00655) flags the
  // same updates, and D >= 14/30 is always > 0.1. statSize 50 has p(h = 17) = 0.00584, just above 0.005; statSize 200
  // flags from h = 35 (D = 0.175, p = 0.00430), so there a D threshold above 0.175 would drop flags.
  it.each(each({
    1: [1986],
    2: [803],
    3: [],
    4: [304, 2440, 2555],
    5: [258, 387, 726, 1024],
    6: [2663],
    7: [584, 1997, 2418],
    8: [],
  }))('seed %i, statSize 50: %j', (seed, expected) => {
    expect(drifts(new KSWIN({ windowSize: 100, statSize: 50, seed: 7 }), gentleGaussianStream(seed))).toEqual(expected);
  });

  it.each(each({
    1: [1046],
    2: [],
    3: [1126],
    4: [],
    5: [],
    6: [1054, 1891],
    7: [1180],
    8: [1083],
  }))('seed %i, windowSize 400, statSize 200: %j', (seed, expected) => {
    expect(drifts(new KSWIN({ windowSize: 400, statSize: 200, seed: 7 }), gentleGaussianStream(seed))).toEqual(expected);
  });
});

describe('DDM on error rate 10 % → 15 %', () => {
  it.each(each({
    1: { drifts: [290, 353, 401, 439, 1250, 1402], warnings: [90, 339, 400, 435, 797, 1361] },
    2: { drifts: [2322, 2366], warnings: [1224, 2361, 2467] },
    3: { drifts: [35, 973], warnings: [31, 190, 1029] },
    4: { drifts: [], warnings: [36] },
    5: { drifts: [2119], warnings: [1182, 2168] },
    6: { drifts: [32, 1270, 2928], warnings: [78, 1515, 2981] },
    7: { drifts: [202, 1998, 2163, 2229], warnings: [73, 594, 2058, 2223, 2555] },
    8: { drifts: [1623, 1738, 2605, 2791], warnings: [165, 1665, 2126, 2724, 2826] },
  }))('seed %i, defaults: %j', (seed, expected) => {
    expect(episodes(new DDM(), gentleErrorStream(seed))).toEqual(expected);
  });
});

describe('EDDM on error rate 10 % → 15 %', () => {
  it.each(each({
    1: { drifts: [308, 667, 934, 1197, 1422], warnings: [1178, 1688] },
    2: { drifts: [1232, 1430, 1663, 1999, 2159, 2358, 2693, 2950], warnings: [261, 2665, 2928] },
    3: { drifts: [871, 2192, 2476, 2669], warnings: [395, 1042, 2448, 2880] },
    4: { drifts: [331, 565, 917, 1140, 1365, 1579, 2265, 2521, 2897], warnings: [290, 1910, 2782] },
    5: { drifts: [1102, 1373, 1635, 1791, 2036, 2223, 2400, 2680, 2895], warnings: [266, 1347, 2019, 2389] },
    6: { drifts: [284, 640, 928, 1110, 1319, 1556, 1773, 1983, 2153, 2848], warnings: [607, 2330] },
    7: { drifts: [305, 606, 850, 1071, 1313, 1569, 1761, 2016, 2237, 2539, 2755, 2933], warnings: [1980, 2750] },
    8: { drifts: [334, 647, 1030, 1260, 1464, 1659, 1856, 2089, 2543, 2769], warnings: [291, 1014, 2412, 2741, 2957] },
  }))('seed %i, defaults: %j', (seed, expected) => {
    expect(episodes(new EDDM(), gentleErrorStream(seed))).toEqual(expected);
  });
});

describe('HDDM_A on error rate 10 % → 20 %', () => {
  it.each(each({
    1: { drifts: [1520], warnings: [1432] },
    2: { drifts: [1390], warnings: [1350] },
    3: { drifts: [1164], warnings: [1094] },
    4: { drifts: [1655], warnings: [1560] },
    5: { drifts: [2769], warnings: [2261] },
    6: { drifts: [1298], warnings: [1168] },
    7: { drifts: [1777], warnings: [1010, 2542] },
    8: { drifts: [1729], warnings: [1540] },
  }))('seed %i, defaults: %j', (seed, expected) => {
    expect(episodes(new HDDM_A(), gentleErrorStream(seed, 0.2))).toEqual(expected);
  });
});

describe('HDDM_W on error rate 10 % → 25 %', () => {
  it.each(each({
    1: { drifts: [1250], warnings: [1179] },
    2: { drifts: [1359], warnings: [1160] },
    3: { drifts: [1814], warnings: [1544, 2454] },
    4: { drifts: [2649], warnings: [1061] },
    5: { drifts: [1649], warnings: [1280, 1786] },
    6: { drifts: [1514], warnings: [1030, 2543] },
    7: { drifts: [1473], warnings: [1471, 1998] },
    8: { drifts: [1366, 2590], warnings: [1360, 1739] },
  }))('seed %i, defaults: %j', (seed, expected) => {
    expect(episodes(new HDDM_W(), gentleErrorStream(seed, 0.25))).toEqual(expected);
  });
});
