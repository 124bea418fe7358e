import { z } from 'zod';

/**
 * Where the notifier's webhook-deliveries queue lives in Redis. The notifier works it; the gateway shows it in Bull
 * Board, so both read the same variable.
 */
export const webhookQueueConfigShape = {
  /** BullMQ key prefix in Redis: stacks (and test files) sharing one Redis use different prefixes. */
  NOTIFIER_QUEUE_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"').default('chorus'),
};
