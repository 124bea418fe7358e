/**
 * The near-miss experiment (issue #16, PRIME's profile swap) on MovieLens latest-small: how much worse is a user served
 * with another user's deviation, as a function of how similar that user is?
 *
 *   npm run experiment:profile-swap -- --data <dir> [--split user|time] [--tau2 1] [--out reports/profile-swap]
 *
 * Protocol: ratings in time order, ratings ≥ 4 positive, 10% held out — by default each user's own last 10% in time
 * (`--split user`: every user with ≥ 10 ratings has a profile and held-out events), or the demo's global last 10%
 * (`--split time`: on latest-small only ~30 users have both, most held-out events being new users'). The learner's
 * models (aggregate over genres + item intercepts, a deviation per user with prior N(0, τ²), ratingLabel,
 * updateOnObservation) learn the rest in time order and are then frozen. Each held-out event of a user who has a deviation is scored
 * aggregate(φ(i) + item) + b·φ(i) with b = the user's own deviation, the k-th most similar other user's (cosine of the
 * deviations' means), the least similar user's, or none (the aggregate alone). The figure is ROC AUC over all held-out
 * events, per policy. A U-shaped curve (PRIME) would show the nearest profiles hurting more than distant ones; a
 * monotone one says borrowing a close profile is the lesser harm — but never free: see the cold-start guard
 * (libs/reward/src/borrowing-guard.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DiagonalGaussianLogistic, itemFeatures, ratingLabel, rocAuc, updateOnObservation, withItemIntercept, type SparseVector } from '@chorus/reward';
import { MAX_PRIOR_VARIANCE } from '@chorus/scoring';
import { CHART_CONFIG, renderSvg } from '@chorus/report';
import type { TopLevelSpec } from 'vega-lite';
import { parseFlags, runCommand, UsageError } from './command-line';
import { inReplayOrder, readMovieLens } from './movielens-reader';

const SCALE = { min: 0.5, max: 5 };
const RANKS = [1, 2, 5, 10, 50, 100, 400];
const usage = 'usage: npm run experiment:profile-swap -- --data <dir holding ratings.csv and movies.csv> [--split user|time] [--tau2 1] [--out reports/profile-swap]';

function options() {
  const values = parseFlags(usage, {
    data: { type: 'string', default: resolve(__dirname, '..', '..', '..', 'shared', 'data', 'movielens-latest-small') },
    tau2: { type: 'string', default: '1' },
    split: { type: 'string', default: 'user' },
    out: { type: 'string', default: resolve(__dirname, '..', '..', 'reports', 'profile-swap') },
  });
  const tau2 = Number(values.tau2);
  if (values.tau2.trim() === '' || !(tau2 > 0) || !(tau2 <= MAX_PRIOR_VARIANCE)) throw new UsageError(`--tau2 must be a number in (0, ${MAX_PRIOR_VARIANCE}], got "${values.tau2}"`);
  if (values.split !== 'user' && values.split !== 'time') throw new UsageError(`--split must be "user" or "time", got "${values.split}"`);
  return { data: values.data, tau2, out: values.out, split: values.split as 'user' | 'time' };
}

interface Held {
  userId: string;
  phi: SparseVector;
  aggregateLogit: number;
  positive: boolean;
}

/** Cosine similarity of two deviations' means (0 when either is all zeros). */
function cosine(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [feature, value] of a) {
    na += value * value;
    dot += value * (b.get(feature) ?? 0);
  }
  for (const value of b.values()) nb += value * value;
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

function means(model: DiagonalGaussianLogistic): Map<string, number> {
  return new Map(Object.entries(model.toJSON()).map(([feature, [mean]]) => [feature, mean]));
}

async function main(): Promise<void> {
  const opts = options();
  const data = readMovieLens(opts.data);
  const vectors = new Map(
    data.movies.map((movie) => {
      const phi = itemFeatures({ categories: Object.fromEntries(movie.genres.map((genre) => [genre, 1])) });
      return [movie.movieId, { phi, aggregateX: withItemIntercept(phi, movie.movieId) }];
    }),
  );
  const ratings = inReplayOrder(data.ratings);
  const heldOut = new Uint8Array(ratings.length);
  if (opts.split === 'time') heldOut.fill(1, Math.floor(ratings.length * 0.9));
  else {
    const byUser = new Map<string, number[]>();
    ratings.forEach((rating, index) => (byUser.get(rating.userId) ?? byUser.set(rating.userId, []).get(rating.userId)!).push(index));
    for (const indexes of byUser.values()) {
      if (indexes.length < 10) continue;
      for (const index of indexes.slice(Math.floor(indexes.length * 0.9))) heldOut[index] = 1;
    }
  }
  const aggregate = new DiagonalGaussianLogistic({ priorVariance: 1 });
  const users = new Map<string, DiagonalGaussianLogistic>();
  for (const [index, rating] of ratings.entries()) {
    if (heldOut[index]) continue;
    const item = vectors.get(rating.movieId);
    if (!item) throw new Error(`rating of movie ${rating.movieId}, which movies.csv does not list`);
    let user = users.get(rating.userId);
    if (!user) users.set(rating.userId, (user = new DiagonalGaussianLogistic({ priorVariance: opts.tau2 })));
    updateOnObservation(aggregate, user, { aggregateX: item.aggregateX, userX: item.phi, ...ratingLabel(rating.rating, SCALE) });
  }
  // Held-out events of users with a deviation, scored by the frozen aggregate.
  const held: Held[] = [];
  for (const [index, rating] of ratings.entries()) {
    if (!heldOut[index] || !users.has(rating.userId)) continue;
    const item = vectors.get(rating.movieId)!;
    held.push({ userId: rating.userId, phi: item.phi, aggregateLogit: aggregate.logit(item.aggregateX), positive: rating.rating >= 4 });
  }
  const heldUsers = [...new Set(held.map((h) => h.userId))];
  const donors = [...users.keys()];
  const deviationMeans = new Map(donors.map((id) => [id, means(users.get(id)!)]));
  // Per held-out user, the other users from most to least similar.
  const ranked = new Map(
    heldUsers.map((id) => {
      const own = deviationMeans.get(id)!;
      const others = donors.filter((other) => other !== id).map((other) => ({ other, similarity: cosine(own, deviationMeans.get(other)!) }));
      others.sort((a, b) => b.similarity - a.similarity || (a.other < b.other ? -1 : 1));
      return [id, others] as const;
    }),
  );
  const policies: { label: string; rank?: number; deviationOf: (userId: string) => DiagonalGaussianLogistic | undefined }[] = [
    { label: 'own', deviationOf: (id) => users.get(id) },
    ...RANKS.map((k) => ({ label: `${k}-th most similar`, rank: k, deviationOf: (id: string) => users.get(ranked.get(id)![k - 1]!.other) })),
    { label: 'least similar', rank: donors.length - 1, deviationOf: (id) => users.get(ranked.get(id)!.at(-1)!.other) },
    { label: 'aggregate alone', deviationOf: () => undefined },
  ];
  const maxRank = Math.min(...heldUsers.map((id) => ranked.get(id)!.length));
  const rows = policies
    .filter((p) => p.rank === undefined || p.rank <= maxRank)
    .map((policy) => {
      const scores = held.map((h) => {
        const deviation = policy.deviationOf(h.userId);
        return deviation ? deviation.logit(h.phi, h.aggregateLogit) : h.aggregateLogit;
      });
      return { policy: policy.label, rank: policy.rank ?? null, auc: rocAuc(scores, held.map((h) => h.positive)) };
    });

  process.stdout.write(`[profile-swap] MovieLens: ${ratings.length} ratings; ${opts.split === 'user' ? "each user's last 10%" : 'the last 10% in time'} held out, τ² = ${opts.tau2}; ${held.length} held-out events of ${heldUsers.length} users, ${donors.length} profiles\n\n`);
  process.stdout.write(`${'deviation used'.padEnd(22)}${'AUC'.padStart(8)}\n`);
  for (const row of rows) process.stdout.write(`${row.policy.padEnd(22)}${row.auc.toFixed(4).padStart(8)}\n`);

  const own = rows.find((r) => r.policy === 'own')!.auc;
  const alone = rows.find((r) => r.policy === 'aggregate alone')!.auc;
  const curve = rows.filter((r) => r.rank !== null);
  const spec: TopLevelSpec = {
    description: 'Profile swap: AUC of held-out events scored with the k-th most similar user’s deviation',
    config: CHART_CONFIG,
    width: 560,
    height: 260,
    layer: [
      {
        data: { values: curve.map((r) => ({ rank: r.rank, auc: r.auc, policy: r.policy })) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'rank', type: 'quantitative', scale: { type: 'log' }, title: 'similarity rank of the borrowed profile (1 = nearest; last = least similar)' },
          y: { field: 'auc', type: 'quantitative', scale: { zero: false }, title: 'AUC, held-out 10%' },
          tooltip: [{ field: 'policy' }, { field: 'auc', format: '.4f' }],
        },
      },
      {
        data: { values: [{ auc: own, label: `own profile ${own.toFixed(3)}` }, { auc: alone, label: `aggregate alone ${alone.toFixed(3)}` }] },
        layer: [
          { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { y: { field: 'auc', type: 'quantitative' }, color: { field: 'label', type: 'nominal', title: null } } },
        ],
      },
    ],
  };
  const svg = await renderSvg(spec);
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, 'profile-swap.svg'), svg);
  writeFileSync(join(opts.out, 'profile-swap.json'), `${JSON.stringify({ split: opts.split, tau2: opts.tau2, heldOutEvents: held.length, users: heldUsers.length, rows }, null, 2)}\n`);
  writeFileSync(
    join(opts.out, 'profile-swap.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Profile swap</title></head><body style="font-family:sans-serif">` +
      `<h1>Profile swap on MovieLens latest-small</h1><p>Split: ${opts.split}; τ² = ${opts.tau2}; ${held.length} held-out events of ${heldUsers.length} users.</p>${svg}</body></html>\n`,
  );
  process.stdout.write(`\nplot: ${join(opts.out, 'profile-swap.html')} (and .svg, .json)\n`);
}

runCommand('profile-swap', usage, main);
