import embed, { type VisualizationSpec } from 'vega-embed';

/** Draws a Vega-Lite spec into `target` (bundled vega-embed: no CDN, no actions menu). */
export async function draw(target: HTMLElement, spec: VisualizationSpec): Promise<void> {
  await embed(target, spec, { actions: false, renderer: 'svg' });
}
