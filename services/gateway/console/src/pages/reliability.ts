import type { GatewaySchemas } from '@chorus/api-client';
import { esc, fixed } from '../dom';

type UserReliability = GatewaySchemas['UserReliability'];
type EffectiveWeight = GatewaySchemas['UserModel']['effectiveWeight'];

const CLASSES = ['genuine', 'non-attitude', 'constructed', 'unknown'] as const;
const percent = (value: number) => `${(100 * value).toFixed(1)} %`;
const agreement = (a: { agreeing: number; compared: number }) => (a.compared === 0 ? 'none compared' : `${a.agreeing} of ${a.compared}`);

/**
 * The user's label reliability (GET /v1/users/:id/reliability) with the model read's effective weight beside it. A user
 * without pairwise judgments has nothing to measure: that is said plainly, it is not an error.
 */
export function reliabilityHtml(report: UserReliability, weight: EffectiveWeight): string {
  if (report.judgments === 0)
    return `<p class="note" id="no-judgments">No pairwise judgments from this user in ${esc(report.domain)} yet: reliability is measured only from pairwise judgments, so there is nothing to show (their judgments count with weight 1).</p>`;
  const { position, framing } = report.conditionEffects;
  const weighs = [report.weighting.aggregate && 'aggregate', report.weighting.personalized && 'personalized'].filter(Boolean).join(' and ') || 'neither model';
  const classRows = CLASSES.map(
    (name) => `<tr data-class="${name}"><td>${name}</td><td>${report.classCounts[name]}</td><td>${name === 'unknown' ? '—' : percent(report.classShares[name])}</td></tr>`,
  ).join('');
  return `
    <section class="cards">
      <div class="card"><span>reliability (agreement with the other users' majority, mean ± sd)</span><strong data-rel="reliability">${fixed(report.reliability.mean)} ± ${fixed(report.reliability.sd)}</strong></div>
      <div class="card"><span>judgments · distinct pairs</span><strong data-rel="judgments">${report.judgments} · ${report.signals}</strong></div>
      <div class="card"><span>mean weight given</span><strong data-rel="mean-weight">${fixed(report.meanWeight)}</strong></div>
      <div class="card"><span>effective weight: aggregate · own model</span><strong data-rel="effective-weight">${fixed(weight.aggregate)} · ${fixed(weight.personalized)}</strong></div>
    </section>
    <p class="note">Agreement ${report.reliability.agree} / disagreement ${report.reliability.disagree} on shared pairs; as the learner counted it when each judgment arrived ${report.prequential.agree} / ${report.prequential.disagree} (user factor ${fixed(report.prequential.factor)}). This domain weighs ${weighs}.</p>
    <div class="columns">
      <section><h3>Signals by class <small>per (user, pair); unknown while evidence is thin</small></h3>
        <table id="reliability-classes"><thead><tr><th>class</th><th>signals</th><th title="the class probability averaged over all the user's signals, unknown ones included">mean probability</th></tr></thead><tbody>${classRows}</tbody></table></section>
      <section><h3>Condition effects</h3>
        <ul>
          <li>Position bias: first-shown chosen <strong data-rel="position">${percent(position.firstShownShare)} ± ${percent(position.sd)}</strong> of ${position.judgments} — <strong data-rel="position-detected">${position.detected ? 'detected' : 'not detected'}</strong></li>
          <li>Framing: <strong data-rel="framing">${framing.flipped} of ${framing.signalsCompared}</strong> signals flip with the framing</li>
          <li>Retest agreement: <span data-rel="retest">${agreement(report.retest)}</span>; across conditions: <span data-rel="across">${agreement(report.acrossConditions)}</span></li>
          <li>Intransitive cycles: <span data-rel="cycles">${report.intransitivity.cycles} of ${report.intransitivity.triads}</span> triads</li>
        </ul></section>
    </div>`;
}
