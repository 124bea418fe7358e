import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';

/** What a report page did in a real browser: see {@link viewReportPage}. */
export interface ReportPageView {
  readonly url: string;
  readonly loaded: boolean;
  /** Console errors and warnings, page errors, failed requests. */
  readonly problems: readonly string[];
  /** Every URL the page requested (a self-contained report requests only itself). */
  readonly requests: readonly string[];
  /** Per chart (figure.chart): its id, title and the marks the browser laid out with a size (drawn). */
  readonly charts: readonly { id: string; title: string; marks: number }[];
  /** Tables and plots that need a horizontal scroll bar at 1280 px. */
  readonly overflowing: readonly string[];
  /** The text of the page's first `p.reading`. */
  readonly reading: string;
}

/**
 * Opens a report (the audit's or the replay's) from a file:// URL at a common laptop width, records what went wrong
 * and what was requested, counts the drawn marks of every chart, saves a full-page screenshot, and closes the page.
 */
export async function viewReportPage(browser: Browser, reportPath: string, screenshot: string): Promise<ReportPageView> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('request', (request) => requests.push(request.url()));
  const url = pathToFileURL(reportPath).href;
  try {
    const response = await page.goto(url, { waitUntil: 'load' });
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((figure) => {
        // Marks are the children of Vega's mark groups; count those the browser laid out with a size (drawn).
        const drawn = [...figure.querySelectorAll('svg g.role-mark > :not(g)')].filter((element) => {
          const box = element.getBoundingClientRect();
          return box.width > 0 || box.height > 0;
        });
        return { id: figure.id, title: figure.querySelector('h3')?.textContent ?? '', marks: drawn.length };
      }),
    );
    const reading = await page.$eval('p.reading', (p) => p.textContent ?? '');
    const overflowing = await page.$$eval('div.table, div.plot', (boxes) =>
      boxes.filter((box) => box.scrollWidth > box.clientWidth).map((box) => `${box.closest('section')?.id}: ${box.scrollWidth} > ${box.clientWidth} px`),
    );
    await page.screenshot({ path: screenshot, fullPage: true });
    return { url, loaded: response?.ok() ?? false, problems, requests, charts, overflowing, reading };
  } finally {
    await page.close();
  }
}
