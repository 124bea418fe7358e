import embed, { type Result, type VisualizationSpec } from 'vega-embed';

/** The view each chart element shows, and the spec it was drawn from: pages poll and redraw the same elements. */
const drawn = new WeakMap<HTMLElement, { spec: string; result: Result }>();

/**
 * Draws a Vega-Lite spec into `target` (bundled vega-embed: no CDN, no actions menu). The element's previous view is
 * finalized first (its timers and listeners would otherwise outlive it), and an unchanged spec is not drawn again.
 */
export async function draw(target: HTMLElement, spec: VisualizationSpec): Promise<void> {
  const text = JSON.stringify(spec);
  const previous = drawn.get(target);
  if (previous?.spec === text && target.contains(previous.result.view.container())) return;
  previous?.result.finalize();
  drawn.set(target, { spec: text, result: await embed(target, spec, { actions: false, renderer: 'svg' }) });
}
