import type { TopLevelSpec } from 'vega-lite';

/**
 * vega and vega-lite 6 are ESM-only, and vega-canvas (which both load) awaits at its top level, so Node's require(esm)
 * refuses them (ERR_REQUIRE_ASYNC_MODULE). They are loaded with a dynamic import() instead, which .swcrc keeps as a
 * real import() in the CommonJS build (`module.ignoreDynamic`) and Vitest runs natively. Loaded once per process.
 */
let libraries: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;

function loadVega(): Promise<[typeof import('vega'), typeof import('vega-lite')]> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]);
  return libraries;
}

/**
 * Compiles a Vega-Lite specification and renders it to an SVG string with a headless vega View (no canvas, no DOM).
 * The namespace declarations are dropped: the SVG is inlined in HTML, where they are not needed, and the report then
 * holds no URL at all.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await loadVega();
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '');
  } finally {
    view.finalize();
  }
}
