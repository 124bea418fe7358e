/** Parts of the report pages (the audit's and the MovieLens replay's): one look, escaping, tables, charts, the embedded JSON. */

/** A report page up to its first heading: the document head with the inline style, the title as the page's h1. */
export function pageOpening(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>${text(title)}</h1>`;
}

export function figure(id: string, title: string, svg: string, caption: string): string {
  return `<figure class="chart" id="${id}">
<h3>${text(title)}</h3>
<div class="plot">${svg}</div>
<figcaption>${text(caption)}</figcaption>
</figure>`;
}

export function htmlTable(table: { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] }, className: string): string {
  const head = table.header.map((cell) => `<th>${text(cell)}</th>`).join('');
  const body = table.rows.map((row) => `<tr>${row.map((cell) => `<td>${text(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table"><table class="${className}"><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

/** Escapes text for an HTML element's content. */
export function text(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function attribute(value: string): string {
  return text(value).replace(/"/g, '&quot;');
}

/** The result as JSON safe inside a script data block: no "<" can close it early. */
export function embeddedJson(result: unknown): string {
  return JSON.stringify(result).replace(/</g, '\\u003c');
}

export const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --rule: #d8dee4; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f8fa; color: var(--ink); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 28px 64px; background: white; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 8px; }
h2 { font-size: 1.35rem; margin: 40px 0 12px; padding-top: 12px; border-top: 1px solid var(--rule); }
h3 { font-size: 1.08rem; margin: 0 0 6px; }
.meta { color: var(--muted); font-size: 0.92rem; margin: 4px 0; }
.option { display: inline-block; margin-right: 14px; white-space: nowrap; }
.reading { font-size: 1.06rem; max-width: 75ch; background: #f0f6fc; border-left: 4px solid var(--accent); padding: 14px 18px; margin: 0; }
figure.chart { margin: 28px 0; }
.plot { overflow-x: auto; }
.plot svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.92rem; max-width: 80ch; margin-top: 4px; }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.84rem; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 6px; border-bottom: 1px solid var(--rule); text-align: right; white-space: nowrap; }
th { background: #f6f8fa; font-weight: 600; }
th:first-child, td:first-child, table.summary td:nth-child(2), table.summary th:nth-child(2), table.policies td:nth-child(2), table.policies th:nth-child(2), table.detection td:nth-child(2), table.detection th:nth-child(2), table.alert-signal td:nth-child(-n+3), table.alert-signal th:nth-child(-n+3), table.policies td:nth-child(-n+3), table.policies th:nth-child(-n+3), table.alerts td:nth-child(2), table.alerts th:nth-child(2), table.alert-noise td:nth-child(3), table.alert-noise th:nth-child(3) { text-align: left; }
table.policies td:nth-child(2) { white-space: normal; min-width: 320px; }
a { color: var(--accent); }
code { font-size: 0.9em; }
`;
