import { describe, expect, it } from 'vitest';
import { markElements } from './svg-marks.fixture';
import { AUDIT_METRICS } from './audit-metrics';
import { handMadeAudit } from './hand-made-audit.fixture';
import { readingOfResult } from './result-reading';
import { renderReportHtml } from './report-html';

const SLOW = 120_000;


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
