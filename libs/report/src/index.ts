/**
 * @chorus/report — the aggregation audit's report (issue #12): Vega-Lite specifications of its charts rendered to SVG in
 * Node, one self-contained HTML file, the reading of the result written from the numbers, the terminal summary table,
 * and the validation of an audit.json. Not a math library: it uses vega, vega-lite and zod, and of ours only the
 * simulation's types and offline loop (for its fixture).
 */
export { AUDIT_METRICS, type AuditMetric, type GroupMetric, type RoundMetric } from './audit-metrics';
export { alertRows, CHART_CONFIG, metricOverRoundsSpec, metricRows, rerankRows, timelineSpec, tradeoffRows, tradeoffSpec } from './chart-specs';
export type { AlertRow, MetricRow, RerankRow, TradeoffRow } from './chart-specs';
export { offlineAuditResult, type OfflineAuditOptions } from './offline-audit';
export { groupNames, lastRound, policyAtLastRound, type PolicyAtRound } from './policy-summary';
export { renderReportHtml, type ReportHtmlOptions } from './report-html';
export { readingOfResult } from './result-reading';
export { alertSignalTable, detectionTable, formatSummaryTable, formatTable, policyTable, spreadTable, summaryTable, type SummaryTable } from './summary-table';
export { figureSpread, headlineFigures, type HeadlineFigure } from './figure-spread';
export { renderSvg } from './svg.renderer';
export { auditResultSchema, parseAuditResult } from './audit-result.schema';
export { readAuditFile } from './audit-file.reader';
export { ReportInputError, type ReportInputErrorCode } from './report-input.error';
export type { ReplayReport, PolicyAuc, AucWindow, CalibrationSweepRow, CalibrationSweepFigures, CalibratedRerankingFigures, AlertCount, AlertExposure, ReplayRunFigures } from './replay-report';
export { alertNoise, alertNoiseReading, AUDIT_CALIBRATION, type AlertNoiseRow } from './alert-noise';
export { alertCountSpec, aucOverTimeSpec, lambdaRows, lambdaSweepSpec, tauSweepRows, tauSweepSpec } from './replay-charts';
export { alertNoiseTable, alertTable, formatReplaySummary, lambdaSweepTable, replayPolicyTable, rerankingTable } from './replay-tables';
export { renderReplayHtml } from './replay-html';
