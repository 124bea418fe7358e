import { describe, expect, it } from 'vitest';
import { parseAuditResult } from './audit-result.schema';
import { handMadeAudit } from './hand-made-audit.fixture';

describe('parseAuditResult, on a policy run’s settings', () => {
  it('keeps them, so a report drawn again from audit.json still tells a variant from the policy of its τ²', () => {
    const audit = handMadeAudit();
    const withSettings = { ...audit, runs: [audit.runs[0]!, { ...audit.runs[1]!, policy: 'single-deviation', settings: { LEARNER_MAX_PERSONAS: '1' } }] };
    expect(parseAuditResult(JSON.parse(JSON.stringify(withSettings))).runs.map((run) => run.settings)).toEqual([undefined, { LEARNER_MAX_PERSONAS: '1' }]);
  });

  it('refuses settings that are not variable → text, naming where', () => {
    const audit = handMadeAudit();
    const bad = { ...audit, runs: [{ ...audit.runs[0]!, settings: { LEARNER_MAX_PERSONAS: 1 } }] };
    expect(() => parseAuditResult(JSON.parse(JSON.stringify(bad)))).toThrow(/runs\[0\]\.settings\.LEARNER_MAX_PERSONAS: /);
  });
});
