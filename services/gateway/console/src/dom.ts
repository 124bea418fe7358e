/** Text made safe for innerHTML. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function el<T extends HTMLElement = HTMLElement>(root: ParentNode, selector: string): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`console: no element ${selector}`);
  return found;
}

export function fixed(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/** An API error as one line a person can act on. */
export function describeError(error: { code?: string; message?: string } | undefined, status?: number): string {
  return error?.code ? `${error.code}: ${error.message ?? ''}` : `HTTP ${status ?? '?'}`;
}
