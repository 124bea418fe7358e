import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSignatureHeader, verifyChorusSignature } from '@chorus/contracts';
import { ApiKeyRepository, SecretBox } from '@chorus/platform';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../infra/database/migrate-database';
import { migrations } from '../infra/database/migrations';
import { WebhookSecretRotation1764925200000 } from '../infra/database/migrations/1764925200000-webhook-secret-rotation';
import { SubscriptionsRepository } from '../services/notifier/src/persistence/subscriptions.repository';
import { dropQueueKeys, notifierEnv, startNotifier, WebhookReceiver, type ReceivedRequest } from './support/notifier';
import { pollUntil } from './support/poll';
import { serviceEnv, TestStack } from './support/test-stack';

const PREFIX = 'aes256gcm:v1:';
const newKey = () => randomBytes(32).toString('base64');

/**
 * Webhook secrets on the real Postgres, Redis and a real local receiver: encrypted at rest by default (a development
 * key file outside production, a refusal to boot in production without a key), re-sealed under the current key at
 * start (plaintext rows and rows under the previous key), and rotated with a grace period during which deliveries
 * carry both signatures.
 */
describe('notifier: webhook secrets at rest and their rotation', () => {
  const stack = new TestStack(1);
  const receiver = new WebhookReceiver().on('/hook', () => 200);
  const scratch = mkdtempSync(join(tmpdir(), 'chorus-notifier-secrets-'));
  let db: DataSource;
  let url: string;
  let owner: { id: string; key: string };
  let notifier: Awaited<ReturnType<typeof startNotifier>> | undefined;

  const start = async (extra: Record<string, string>) => {
    notifier = await startNotifier(
      notifierEnv(stack, serviceEnv(stack, url), { NOTIFIER_ROLES: 'api,worker', WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', ...extra }),
    );
  };
  const stop = async () => {
    await notifier?.app.close();
    notifier = undefined;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${notifier!.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.key}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as any };
  };
  /** A signed test delivery through the queue and worker, as the receiver got it. */
  const ping = async (subscriptionId: string): Promise<ReceivedRequest> => {
    const answer = await call('POST', `/v1/subscriptions/${subscriptionId}/ping`);
    expect(answer.status).toBe(202);
    const hit = await pollUntil(async () => receiver.requests.find((r) => r.headers['chorus-delivery-id'] === answer.body.deliveryId), Boolean, { what: 'the ping at the receiver' });
    return hit!;
  };
  const verify = (secret: string, request: ReceivedRequest) => verifyChorusSignature(secret, request.headers, request.rawBody);
  const storedRow = async (id: string) => (await db.query(`SELECT secret, previous_secret FROM alert_subscriptions WHERE id = $1`, [id]))[0];

  beforeAll(async () => {
    await stack.start();
    ({ db, url } = await stack.database());
    await receiver.start();
    const created = await new ApiKeyRepository(db).create('secrets-owner', ['subscriber']);
    owner = { id: created.record.id, key: created.key };
  });

  afterAll(async () => {
    await stop();
    await receiver.stop();
    await dropQueueKeys(stack);
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses to boot in production without an encryption key, saying how to make one', async () => {
    const env = { ...process.env, ...serviceEnv(stack, url), NODE_ENV: 'production', NOTIFIER_SECRET_ENCRYPTION_KEY: '', NOTIFIER_HTTP_PORT: '0' };
    const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'services', 'notifier', 'src', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(output).toContain('NOTIFIER_SECRET_ENCRYPTION_KEY');
    expect(output).toContain('required when NODE_ENV=production');
    expect(output).toContain(`node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`);
  });

  it('encrypts secrets by default: outside production without a key, with a key generated once into the development key file', async () => {
    const keyFile = join(scratch, 'dev', 'notifier.key');
    await start({ NOTIFIER_SECRET_ENCRYPTION_KEY: '', NOTIFIER_DEV_SECRET_KEY_FILE: keyFile });
    try {
      const created = await call('POST', '/v1/subscriptions', { url: `${receiver.url}/hook` });
      expect(created.status).toBe(201);
      const row = await storedRow(created.body.id);
      expect(row.secret.startsWith(PREFIX)).toBe(true);
      expect(row.secret).not.toContain(created.body.secret);
      // The ciphertext opens with the key in the file, and only for its own row.
      expect(existsSync(keyFile)).toBe(true);
      const box = new SecretBox(readFileSync(keyFile, 'utf8').trim());
      expect(box.open(row.secret, created.body.id)).toBe(created.body.secret);
      expect(() => box.open(row.secret, randomUUID())).toThrow();
      expect(verify(created.body.secret, await ping(created.body.id))).toMatchObject({ ok: true });
    } finally {
      await stop();
    }
  });

  it('seals plaintext rows and rows under the previous key with the current key at start, and their deliveries still verify', async () => {
    const [keyA, keyB] = [newKey(), newKey()];
    const subscriptions = new SubscriptionsRepository(db);
    const plain = { id: randomUUID(), secret: `whsec_plain_${randomBytes(12).toString('hex')}` };
    const underA = { id: randomUUID(), secret: `whsec_keyA_${randomBytes(12).toString('hex')}` };
    const base = { ownerKeyId: owner.id, description: null, url: `${receiver.url}/hook`, active: true, filters: {} };
    await subscriptions.create({ ...base, id: plain.id, secret: plain.secret }); // as stored before encryption was the default
    await subscriptions.create({ ...base, id: underA.id, secret: new SecretBox(keyA).seal(underA.secret, underA.id) });

    await start({ NOTIFIER_SECRET_ENCRYPTION_KEY: keyB, NOTIFIER_SECRET_ENCRYPTION_PREVIOUS_KEY: keyA });
    try {
      const onlyB = new SecretBox(keyB);
      for (const { id, secret } of [plain, underA]) {
        const row = await storedRow(id);
        expect(row.secret.startsWith(PREFIX)).toBe(true);
        expect(row.secret).not.toContain(secret);
        expect(onlyB.needsReseal(row.secret, id)).toBe(false);
        expect(onlyB.open(row.secret, id)).toBe(secret);
        expect(verify(secret, await ping(id))).toMatchObject({ ok: true });
      }
    } finally {
      await stop();
    }
  });

  it('keeps a replaced secret signing beside the new one for the grace period, then only the new one', async () => {
    await start({ NOTIFIER_SECRET_GRACE_SECONDS: '5' });
    try {
      const created = await call('POST', '/v1/subscriptions', { url: `${receiver.url}/hook` });
      const id = created.body.id as string;
      const oldSecret = created.body.secret as string;
      const newSecret = `whsec_rotated_${randomBytes(16).toString('hex')}`;
      const patched = await call('PATCH', `/v1/subscriptions/${id}`, { secret: newSecret });
      expect(patched.status).toBe(200);
      expect(Date.parse(patched.body.previousSecretExpiresAt)).toBeGreaterThan(Date.now());
      const row = await storedRow(id);
      for (const stored of [row.secret, row.previous_secret]) expect(stored.startsWith(PREFIX)).toBe(true);

      // During the grace period: one delivery, two v2 signatures; a receiver on either secret verifies it.
      const during = await ping(id);
      expect(parseSignatureHeader(String(during.headers['chorus-signature']))?.signatures).toHaveLength(2);
      expect(verify(oldSecret, during)).toMatchObject({ ok: true });
      expect(verify(newSecret, during)).toMatchObject({ ok: true });

      // After it: only the new secret.
      await pollUntil(async () => (await call('GET', `/v1/subscriptions/${id}`)).body.previousSecretExpiresAt, (at) => at === null, { what: 'the grace period to end', timeoutMs: 15_000 });
      const after = await ping(id);
      expect(parseSignatureHeader(String(after.headers['chorus-signature']))?.signatures).toHaveLength(1);
      expect(verify(newSecret, after)).toMatchObject({ ok: true });
      expect(verify(oldSecret, after)).toMatchObject({ ok: false, reason: 'MISMATCH' });
    } finally {
      await stop();
    }
  });

  it('adds and removes the rotation columns with the migration, keeping the subscriptions', async () => {
    const own = await stack.database('migration');
    const key = (await new ApiKeyRepository(own.db).create('m', ['subscriber'])).record.id;
    const id = randomUUID();
    await own.db.query(
      `INSERT INTO alert_subscriptions (id, owner_key_id, url, secret, previous_secret, previous_secret_expires_at) VALUES ($1, $2, 'https://hooks.example.com/x', 'sealed-new', 'sealed-old', now() + interval '1 hour')`,
      [id, key],
    );
    // Both or neither: a previous secret without an expiry would never expire.
    await expect(own.db.query(`UPDATE alert_subscriptions SET previous_secret_expires_at = NULL WHERE id = $1`, [id])).rejects.toThrow(/previous_secret_expiry/);

    const columns = async () =>
      (await own.db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'alert_subscriptions' AND column_name LIKE 'previous_secret%' ORDER BY 1`)).map((r: any) => r.column_name);
    // Revert down to and including this migration (the ones after it sit on top of it), then apply them again.
    const undone = migrations.slice(migrations.indexOf(WebhookSecretRotation1764925200000)).map((m) => m.name);
    for (let i = 0; i < undone.length; i++) await own.db.undoLastMigration({ transaction: 'each' });
    expect(await columns()).toEqual([]);
    expect(await own.db.query(`SELECT id, secret FROM alert_subscriptions`)).toEqual([{ id, secret: 'sealed-new' }]);
    expect(await migrate(own.url)).toEqual(undone);
    expect(await columns()).toEqual(['previous_secret', 'previous_secret_expires_at']);
    expect(await own.db.query(`SELECT secret, previous_secret FROM alert_subscriptions`)).toEqual([{ secret: 'sealed-new', previous_secret: null }]);
  });
});
