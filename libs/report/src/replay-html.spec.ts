import { describe, expect, it } from 'vitest';
import { markElements } from './svg-marks.fixture';
import { handMadeReplay } from './hand-made-replay.fixture';
import { renderReplayHtml } from './replay-html';
import { formatReplaySummary, replayPolicyTable } from './replay-tables';

const SLOW = 120_000;


describe('the replay report', () => {
  it('is one self-contained page: every chart drawn as inline SVG, the tables, the JSON, and no URL', async () => {
    const report = handMadeReplay();
    const html = await renderReplayHtml(report);
    expect(html).not.toMatch(/:\/\//);
    expect(html).not.toMatch(/<script(?![^>]*type="application\/json")/);
    const figures = [...html.matchAll(/<figure class="chart" id="([\w-]+)">([\s\S]*?)<\/figure>/g)];
    expect(figures.map((f) => f[1])).toEqual(['chart-auc-over-time', 'chart-tau-sweep', 'chart-lambda-sweep', 'chart-alerts']);
    for (const [, id, body] of figures) expect(markElements(body!), id).toBeGreaterThan(0);
    expect(html).toContain('<td>learned (2, 1.41)</td>');
    expect(html).toContain('the last 20% of ratings held out; 15 users evaluated');
    expect(html).toContain('<a href="replay.json">replay.json</a>');
    const embedded = /<script type="application\/json" id="replay-report">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(embedded)).toEqual(JSON.parse(JSON.stringify(report)));
  }, SLOW);

  it('says in words what it cannot draw, and escapes text from the report', async () => {
    const html = await renderReplayHtml(handMadeReplay({ title: '<img src=x>', alerts: [], aucOverTime: [], calibrationSweep: { settings: { testFraction: 0.2 }, evaluated: 0, rows: [] } }));
    expect(html).toContain('<h1>&lt;img src=x&gt;</h1>');
    expect(html).not.toContain('<img');
    expect([...html.matchAll(/<figure class="chart" id="([\w-]+)">/g)].map((f) => f[1])).toEqual(['chart-tau-sweep']);
    expect(html).toContain('drift-watch raised no alert.');
    expect(html).toContain('No user had enough ratings for the λ sweep.');
    expect(html).toContain('Too few events for AUC over windows.');
  }, SLOW);

  it('prints the same cells in the terminal', () => {
    const report = handMadeReplay();
    expect(replayPolicyTable(report).rows).toEqual([
      ['aggregate (live)', 'live', '0', '800', '0.6100', '0.6000'],
      ['personalized, τ² learned (live)', 'live', 'learned (2, 1.41)', '800', '0.8000', '0.7500'],
      ['τ² = 0, aggregate (offline)', 'offline', '0', '800', '0.6200', '0.5900'],
      ['τ² = 1 (offline)', 'offline', '1', '800', '0.7800', '—'],
    ]);
    const summary = formatReplaySummary(report);
    expect(summary).toContain('   12      9             1.500  0.400           0.970               5                    25.0%              10.0%  20.0%            yes');
    expect(summary).toMatch(/0\.50\s+0\.5000\s+0\.0450\s+0\.9500\s+18\.0%\s+20\.0%\s+1 of 15/);
    expect(summary).toMatch(/user\s+5\s+10000 user-events past the 30-event gate\s+0\.0–9\.1 \(typ\. 3\.7\)\s+within noise/);
    expect(summary).toMatch(/population\s+4\s+176 3600-s buckets of event time\s+≤ 3\.0\s+above noise/);
  });
});
