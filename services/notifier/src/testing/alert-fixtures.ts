import type { DriftAlertV1 } from '@chorus/contracts';
import type { IncomingAlert } from '../persistence/alerts.repository';

/** A deterministic alert id: `00000000-0000-4000-8000-<n, 12 digits>`. */
export const alertUuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A valid chorus.drift-alerts.v1 alert numbered `n`; `fields` override its matching fields. */
export function driftAlert(n: number, fields: Partial<Pick<DriftAlertV1, 'scope' | 'subject' | 'domain' | 'metric' | 'severity'>> = {}): DriftAlertV1 {
  return {
    alertId: alertUuid(n),
    scope: 'user',
    subject: `u-${n}`,
    domain: 'news',
    metric: 'miscalibration',
    detector: 'ADWIN',
    direction: 'up',
    value: 0.5,
    baseline: 0.1,
    severity: 'warning',
    window: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T01:00:00.000Z', observations: 20 },
    configVersion: 0,
    raisedAt: '2026-01-01T01:00:00.000Z',
    rerankRequested: false,
    ...fields,
  };
}

/** The alert as the consumer hands it to the store: its JSON body and its source position (offset = n). */
export function incoming(n: number, fields: Parameters<typeof driftAlert>[1] = {}): IncomingAlert {
  const alert = driftAlert(n, fields);
  return { alert, body: JSON.stringify(alert), partition: 0, offset: String(n) };
}
