import type { AuditResult } from '@chorus/simulation';
import { describe, expect, it } from 'vitest';
import { handMadeAudit } from './hand-made-audit.fixture';
import { readingOfResult } from './result-reading';

// Every expected sentence below was worked out by hand from the figures in hand-made-audit.fixture.ts.
describe('readingOfResult', () => {
  it('says who gained and who lost, by how much, for each question the audit asks', () => {
    expect(readingOfResult(handMadeAudit())).toEqual([
      // minority 0.5 vs majority 0.1 (5×); pooled gap 0.2 − 0.12 = 0.08 of 0.4 left: 80% closed.
      'Under aggregate-only (τ² = 0) the minority group’s regret at round 1 was 0.500 against the majority group’s 0.100 (5.0×); pooled (τ² = 1) brought them to 0.200 and 0.120, closing 80.0% of the gap.',
      // Only the mixed group has a minority interest; regret over all users (6·0.12 + 2·0.2 + 2·0.25)/10 = 0.162, calibrated 0.174.
      'Without calibration (pooled) users’ minority interests got 10.0% of their lists against a true share of 30.0%; with calibration (pooled-calibrated) 28.0% against 30.0%, at a regret of 0.174 instead of 0.162 (+0.012).',
      'Polarization of true stances went from 0.200 to 0.260 (+0.060) under near-pure-personal (τ² = 100) and from 0.200 to 0.210 (+0.010) under pooled: personal serving polarized more than pooled serving (aggregation moderates).',
      'By round 1 random pairs of users had consumed alike to a Jaccard index of 0.030 under aggregate-only and 0.030 under pooled; the minority group’s overlap with its true-taste neighbours was 0.050 and 0.050.',
      'By regret at the last round, majority users did best under aggregate-only (0.100) and worst under near-pure-personal (0.150); minority users did best under near-pure-personal (0.180) and worst under aggregate-only (0.500); mixed users did best under pooled (0.250) and worst under near-pure-personal (0.350).',
      'Detection: in news under pooled drift-watch alerted on 3 of 4 users planted to narrow (recall 75.0%, mean delay 0.5 rounds); false alarms per 1,000 user-rounds with nothing planted ranged from 0.00 (code, pooled) to 1.25 (news, pooled).',
      'Over all policies drift-watch raised 3 alerts (2 user, 1 population) and the reranker completed 7 calibrated lists.',
    ]);
  });

  it('finds policies by τ² and calibration, not by name', () => {
    const renamed: AuditResult = { ...handMadeAudit(), runs: handMadeAudit().runs.map((run) => ({ ...run, policy: `P-${run.tau2}${run.calibrated ? 'c' : ''}` })) };
    const reading = readingOfResult(renamed);
    expect(reading[0]).toBe(
      'Under P-0 (τ² = 0) the minority group’s regret at round 1 was 0.500 against the majority group’s 0.100 (5.0×); P-1 (τ² = 1) brought them to 0.200 and 0.120, closing 80.0% of the gap.',
    );
    expect(reading[1]).toMatch(/^Without calibration \(P-1\) .* with calibration \(P-1c\) /);
  });

  it('does not take a run that changed another setting for the policy of its τ²', () => {
    const audit = handMadeAudit();
    const pooled = audit.runs[1]!;
    const regretOf = (run: typeof pooled, regret: number) => ({
      ...run,
      rounds: run.rounds.map((round) => ({ ...round, groups: Object.fromEntries(Object.entries(round.groups).map(([group, g]) => [group, { ...g, regret }])) })),
    });
    // Ahead of pooled, at its τ²: one deviation per user; past near-pure-personal's τ²: a learned one.
    const singleDeviation = { ...regretOf(pooled, 0.9), policy: 'single-deviation', settings: { LEARNER_MAX_PERSONAS: '1' } };
    const learned = { ...regretOf(pooled, 0.8), policy: 'learned', tau2: 400, settings: { LEARNER_TAU2: 'unset (learned)' } };
    const withVariants: AuditResult = { ...audit, runs: [audit.runs[0]!, singleDeviation, learned, ...audit.runs.slice(1)] };
    // The comparisons of the four plain policies read as without the variants (the per-group best and worst include them).
    expect(readingOfResult(withVariants).slice(0, 4)).toEqual(readingOfResult(audit).slice(0, 4));
  });

  it('says when pooling more than closes the gap, and when aggregation erased nothing', () => {
    const audit = handMadeAudit();
    const pooled = audit.runs[1]!;
    const last = pooled.rounds[1]!;
    const overshoot: AuditResult = {
      ...audit,
      runs: [audit.runs[0]!, { ...pooled, rounds: [pooled.rounds[0]!, { ...last, groups: { ...last.groups, minority: { ...last.groups.minority!, regret: 0.02 } } }] }],
    };
    // gap 0.4; pooled 0.02 − 0.12 = −0.1: 1 + 0.1/0.4 = 125%.
    expect(readingOfResult(overshoot)[0]).toBe(
      'Under aggregate-only (τ² = 0) the minority group’s regret at round 1 was 0.500 against the majority group’s 0.100 (5.0×); pooled (τ² = 1) brought them to 0.020 and 0.120, closing the whole gap and more (125.0%: the minority group now has the lower regret).',
    );
    const aggregate = audit.runs[0]!;
    const even: AuditResult = {
      ...audit,
      runs: [{ ...aggregate, rounds: [aggregate.rounds[0]!, { ...aggregate.rounds[1]!, groups: { ...aggregate.rounds[1]!.groups, minority: { ...aggregate.rounds[1]!.groups.minority!, regret: 0.08 } } }] }, pooled],
    };
    expect(readingOfResult(even)[0]).toBe(
      'Under aggregate-only (τ² = 0) the minority group’s regret at round 1 was 0.080, not above the majority group’s 0.100: aggregation erased nothing measurable here.',
    );
  });

  it('leaves out what the result cannot answer and counts in the singular', () => {
    const audit = handMadeAudit();
    const onlyPersonal: AuditResult = { ...audit, runs: [{ ...audit.runs[2]!, reranksPerRound: [0, 1] }], detection: undefined };
    expect(readingOfResult(onlyPersonal)).toEqual(['Over all policies drift-watch raised 1 alert (1 population) and the reranker completed 1 calibrated list.']);
    const quiet: AuditResult = { ...audit, runs: audit.runs.map((run) => ({ ...run, alerts: [], reranksPerRound: [0, 0] })) };
    expect(readingOfResult(quiet).at(-1)).toBe('Over all policies drift-watch raised 0 alerts and the reranker completed 0 calibrated lists.');
    const nothingPlanted: AuditResult = { ...audit, detection: [audit.detection![1]!, { ...audit.detection![1]!, domain: 'movies' }] };
    expect(readingOfResult(nothingPlanted).at(-2)).toBe('Detection: false alarms were 0.00 per 1,000 user-rounds with nothing planted.');
  });

  it('says when serving the aggregate homogenized consumption, and how the alerts scored against what was planted', () => {
    const audit = handMadeAudit();
    const aggregate = audit.runs[0]!;
    const homogenized: AuditResult = {
      ...audit,
      runs: [{ ...aggregate, rounds: [aggregate.rounds[0]!, { ...aggregate.rounds[1]!, homogenization: 0.3 }] }, ...audit.runs.slice(1)],
      alertSignal: [
        { domain: 'news', policy: 'pooled', scope: 'user', plantedOnsetRound: 1, trueAlerts: 3, falseAlarms: 1, unscored: 0, precision: 0.75, firstDelayRounds: 0 },
        { domain: 'news', policy: 'aggregate-only', scope: 'user', plantedOnsetRound: 1, trueAlerts: 0, falseAlarms: 4, unscored: 0, precision: 0, firstDelayRounds: undefined },
        { domain: 'news', policy: 'pooled', scope: 'population', plantedOnsetRound: 1, trueAlerts: 0, falseAlarms: 0, unscored: 2, precision: undefined, firstDelayRounds: undefined },
        { domain: 'code', policy: 'pooled', scope: 'user', plantedOnsetRound: 1, trueAlerts: 5, falseAlarms: 0, unscored: 0, precision: 1, firstDelayRounds: 0 },
      ],
    };
    const reading = readingOfResult(homogenized);
    expect(reading).toContain(
      'By round 1 random pairs of users had consumed alike to a Jaccard index of 0.300 under aggregate-only and 0.030 under pooled: serving everyone the aggregate homogenized consumption; the minority group’s overlap with its true-taste neighbours was 0.050 and 0.050.',
    );
    // news only: 3 + 0 true, 1 + 4 false; the population scope raised nothing on narrowing.
    expect(reading).toContain('Against what was planted in news, over all policies: user alerts on narrowing were 3 true and 5 false (precision 37.5%; first true alert, in rounds after the onset: pooled after 0).');
  });
});
