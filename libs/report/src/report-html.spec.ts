import { describe, expect, it } from 'vitest';
import { AUDIT_METRICS } from './audit-metrics';
import { handMadeAudit } from './hand-made-audit.fixture';
import { readingOfResult } from './result-reading';
import { renderReportHtml } from './report-html';

const SLOW = 120_000;

/** Children of Vega's mark groups (`<g class="mark-… role-mark …">`) in an SVG string: what the chart drew. */
function markElements(svg: string): number {
  let count = 0;
  for (const group of svg.matchAll(/<g class="mark-\w+ role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g)) count += (group[1]!.match(/<(path|rect|line|circle|text)\b/g) ?? []).length;
  return count;
}

describe('renderReportHtml', () => {
  it('is one self-contained page: every chart drawn as inline SVG, the reading, the tables, the JSON, and no URL', async () => {
    const audit = handMadeAudit();
    const html = await renderReportHtml(audit, { jsonFileName: 'run 1.json' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/:\/\//);
    expect(html).not.toMatch(/<script(?![^>]*type="application\/json")/);
    expect(html).not.toMatch(/<(link|img|iframe)\b/);
    const figures = [...html.matchAll(/<figure class="chart" id="([\w-]+)">([\s\S]*?)<\/figure>/g)];
    expect(figures.map((f) => f[1])).toEqual(['chart-tradeoff', ...AUDIT_METRICS.map((m) => `chart-${m.key}`), 'chart-timeline']);
    for (const [, id, body] of figures) expect(markElements(body!), id).toBeGreaterThan(0);
    // The reading's sentences appear escaped as text, in one paragraph.
    expect(html).toContain(`<p class="reading">${readingOfResult(audit).join(' ')}</p>`);
    expect(html).toContain('<td>nothing planted</td>');
    expect(html).toContain('<td>75.0%</td>');
    expect(html).toContain('<a href="run%201.json">run 1.json</a>');
    const embedded = /<script type="application\/json" id="audit-result">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(embedded)).toEqual(JSON.parse(JSON.stringify(audit)));
  }, SLOW);

  it('escapes text from the result, even inside the embedded JSON', async () => {
    const html = await renderReportHtml({ ...handMadeAudit(), title: '<img src=x onerror=alert(1)></script>' });
    expect(html).toContain('<h1>&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;</h1>');
    expect(html).not.toContain('<img');
    expect(html.match(/<\/script>/g)).toHaveLength(1);
  }, SLOW);
});
