/** Children of Vega's mark groups (`<g class="mark-… role-mark …">`) in an SVG string: what a chart drew (for specs). */
export function markElements(svg: string): number {
  let count = 0;
  for (const group of svg.matchAll(/<g class="mark-\w+ role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g)) count += (group[1]!.match(/<(path|rect|line|circle|text)\b/g) ?? []).length;
  return count;
}
