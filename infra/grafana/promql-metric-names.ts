/** PromQL words that are not metric names (functions are recognised by the parenthesis that follows them). */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: what is left once strings, label matchers, range selectors and grouping
 * label lists are taken out, minus function calls and keywords.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = stripped.slice(match.index + match[0].length).trimStart();
    if (rest.startsWith('(') || KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names].sort();
}

/** Every `expr` of a Grafana dashboard's panels (rows' nested panels included). */
export function dashboardExpressions(dashboard: { panels?: unknown[] }): string[] {
  const out: string[] = [];
  const visit = (panels: unknown[] | undefined) => {
    for (const panel of panels ?? []) {
      const { targets, panels: nested } = panel as { targets?: { expr?: string }[]; panels?: unknown[] };
      for (const target of targets ?? []) if (target.expr) out.push(target.expr);
      visit(nested);
    }
  };
  visit(dashboard.panels);
  return out;
}

/**
 * The series names a Prometheus text exposition offers, from its `# TYPE` lines (present even for a labelled metric
 * that has no sample yet): a histogram offers `_bucket`, `_sum` and `_count`, a summary `_sum` and `_count`.
 */
export function exposedSeriesNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}
