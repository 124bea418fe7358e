import { env, loadConfig, MAKE_SECRET_BOX_KEY, outboundTargetConfigShape, quotaConfigShape, retentionEnv, secretBoxKey, sharedConfigShape, webhookQueueConfigShape } from '@chorus/platform';
import { z } from 'zod';

export const NOTIFIER_ROLES = ['api', 'consumer', 'worker'] as const;
export type NotifierRole = (typeof NOTIFIER_ROLES)[number];

export const notifierConfigSchema = z.object({
  ...sharedConfigShape,
  ...outboundTargetConfigShape,
  ...quotaConfigShape,
  /** Requests per API key and QUOTA_WINDOW_SECONDS on the subscription routes and the stream (opening it is one). */
  NOTIFIER_QUOTA_SUBSCRIBER: env.int(1_200, { min: 1, max: 10_000_000 }),
  /** Test deliveries (POST /v1/subscriptions/:id/ping) per API key and QUOTA_WINDOW_SECONDS: each one is a webhook call. */
  NOTIFIER_QUOTA_PING: env.int(10, { min: 1, max: 1_000_000 }),
  /** Alert streams one API key may hold open at once on one notifier process; one more is refused (429). */
  NOTIFIER_MAX_STREAMS_PER_KEY: env.int(10, { min: 1, max: 100_000 }),
  /**
   * What this process does, comma-separated: `api` (subscriptions REST + SSE stream), `consumer` (drift alerts from
   * Kafka → stored alerts + deliveries), `worker` (webhook deliveries from BullMQ). One process runs all three by
   * default; a larger deployment scales them separately.
   */
  NOTIFIER_ROLES: z
    .string()
    .default(NOTIFIER_ROLES.join(','))
    .transform((text) => [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))])
    .refine((roles) => roles.length > 0 && roles.every((r) => (NOTIFIER_ROLES as readonly string[]).includes(r)), `expected a comma-separated subset of ${NOTIFIER_ROLES.join(', ')}`)
    .transform((roles) => new Set(roles as NotifierRole[])),
  NOTIFIER_HTTP_PORT: env.int(3004, { min: 0, max: 65535 }),
  NOTIFIER_GROUP_ID: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"').default('chorus-notifier'),
  /** Kafka group session timeout (the broker's minimum is 6000). */
  NOTIFIER_SESSION_TIMEOUT_MS: env.int(30_000, { min: 6_000, max: 300_000 }),
  /** Partitions of the keyed topics when the notifier has to create them (same meaning as in gateway and learner). */
  FEEDBACK_PARTITIONS: env.int(6, { min: 1, max: 1024 }),
  ...webhookQueueConfigShape,
  /** Attempts per delivery (the first one included) before it is marked dead. */
  NOTIFIER_WEBHOOK_MAX_ATTEMPTS: env.int(10, { min: 1, max: 50 }),
  /** Delay before the first retry; each further retry doubles it, up to NOTIFIER_WEBHOOK_BACKOFF_MAX_MS. */
  NOTIFIER_WEBHOOK_BACKOFF_MS: env.int(5_000, { min: 1, max: 3_600_000 }),
  NOTIFIER_WEBHOOK_BACKOFF_MAX_MS: env.int(3_600_000, { min: 1, max: 86_400_000 }),
  /** Fraction of each retry delay that is randomised (0 = exact doubling), so failing receivers are not hit in waves. */
  NOTIFIER_WEBHOOK_BACKOFF_JITTER: env.number(0.2, { min: 0, max: 1 }),
  /** Deadline of one delivery attempt (connect, send, full response). */
  NOTIFIER_WEBHOOK_TIMEOUT_MS: env.int(10_000, { min: 100, max: 120_000 }),
  /** Deliveries in flight per worker process. */
  NOTIFIER_WEBHOOK_CONCURRENCY: env.int(16, { min: 1, max: 1000 }),
  /** `production` makes NOTIFIER_SECRET_ENCRYPTION_KEY required (the Docker image sets it). */
  NODE_ENV: z.string().default('development'),
  /**
   * Encrypts webhook secrets at rest (AES-256-GCM): 32 random bytes in base64. Required in production; elsewhere,
   * unset means a key generated once into NOTIFIER_DEV_SECRET_KEY_FILE.
   */
  NOTIFIER_SECRET_ENCRYPTION_KEY: secretBoxKey,
  /** The key secrets were encrypted with before the current one: still opens them; the notifier re-encrypts at start. */
  NOTIFIER_SECRET_ENCRYPTION_PREVIOUS_KEY: secretBoxKey,
  /** Outside production, without NOTIFIER_SECRET_ENCRYPTION_KEY: the key file generated once and reused. */
  NOTIFIER_DEV_SECRET_KEY_FILE: z.string().min(1).default('.chorus/notifier-secret-encryption.key'),
  /** How long a replaced webhook secret keeps signing deliveries beside the new one; 0 = switch at once. */
  NOTIFIER_SECRET_GRACE_SECONDS: env.int(86_400, { min: 0, max: 30 * 86_400 }),
  /** Comment lines sent on idle SSE streams so proxies do not cut them. */
  NOTIFIER_STREAM_HEARTBEAT_MS: env.int(15_000, { min: 100, max: 300_000 }),
  /** Safety net under LISTEN/NOTIFY: the stream also looks for new alerts this often. */
  NOTIFIER_STREAM_POLL_MS: env.int(5_000, { min: 50, max: 300_000 }),
  /** Alerts buffered for one slow SSE client before it is disconnected (it resumes with Last-Event-ID). */
  NOTIFIER_STREAM_MAX_BUFFERED: env.int(1_000, { min: 10, max: 1_000_000 }),
  /** How often deliveries committed but not yet enqueued (a crash in between) are enqueued. */
  NOTIFIER_OUTBOX_SWEEP_MS: env.int(10_000, { min: 50, max: 3_600_000 }),
  /**
   * Origins whose pages may call the notifier from a browser (CORS), comma-separated: the console the gateway serves
   * at /console reads the alert stream and the subscriptions from here. Unset: none.
   */
  NOTIFIER_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'expected origins such as http://127.0.0.1:3000, comma-separated' }))),
  /** Largest accepted request body. */
  NOTIFIER_BODY_LIMIT: z.string().regex(/^\d+(kb|mb)$/, 'expected a size such as "64kb" or "1mb"').default('64kb'),
  /** Subscriptions one API key may hold. */
  NOTIFIER_MAX_SUBSCRIPTIONS_PER_KEY: env.int(100, { min: 1, max: 100_000 }),
  /**
   * Days a stored alert is kept after it was received, while no delivery still refers to it. 90: a subscriber whose
   * stream was away up to a quarter still resumes from its Last-Event-ID without a gap; as drift-watch's alerts.
   */
  NOTIFIER_ALERT_RETENTION_DAYS: retentionEnv.days(90),
  /**
   * Days a succeeded or dead delivery (with its attempts) is kept after it became final; pending and retrying ones are
   * never deleted. 90, as alerts: the delivery log is what a receiver's team debugs with, and a delivery deleted no
   * later than its alert lets the alert go in the same sweep.
   */
  NOTIFIER_DELIVERY_RETENTION_DAYS: retentionEnv.days(90),
  /** How often the consumer role deletes expired deliveries and alerts. */
  NOTIFIER_RETENTION_INTERVAL_MS: retentionEnv.intervalMs(),
  /** Rows per delete statement (each its own short transaction). */
  NOTIFIER_RETENTION_BATCH_SIZE: retentionEnv.batchSize(),
}).superRefine((config, ctx) => {
  if (config.NODE_ENV === 'production' && config.NOTIFIER_SECRET_ENCRYPTION_KEY === '') {
    ctx.addIssue({
      code: 'custom',
      path: ['NOTIFIER_SECRET_ENCRYPTION_KEY'],
      message: `required when NODE_ENV=production: webhook secrets are stored encrypted with it. Make one with ${MAKE_SECRET_BOX_KEY}, keep it in your secret store, and give every notifier process the same key`,
    });
  }
});

export type NotifierConfig = z.output<typeof notifierConfigSchema>;
export const NOTIFIER_CONFIG = Symbol('NOTIFIER_CONFIG');

export function loadNotifierConfig(source: NodeJS.ProcessEnv = process.env): NotifierConfig {
  return loadConfig(notifierConfigSchema, source);
}
