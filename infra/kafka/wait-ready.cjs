#!/usr/bin/env node
// Waits until a Kafka broker answers real requests, not merely until its port accepts connections.
//
//   node infra/kafka/wait-ready.cjs <deadline-seconds> [--broker 127.0.0.1:9092] [--cluster-id ID] [--pid PID] [--quiet]
//
// Ready means: a metadata request (admin.describeCluster) succeeds, lists at least one broker and an active
// controller, the cluster id matches --cluster-id when given (so a different Kafka on the same port is not
// mistaken for ours), and the group and transaction coordinators answer: admin.fetchOffsets and a transactional
// producer's InitProducerId make a fresh broker create __consumer_offsets and __transaction_state, so the first
// consumer group or transaction of a test run neither waits for that nor logs NOT_COORDINATOR retries.
// With --pid it gives up as soon as that process (the broker being started) has exited.
// Exit codes: 0 ready, 1 not ready before the deadline (or cluster id mismatch, or the broker exited), 2 usage /
// kafkajs missing.
'use strict';

const { readFileSync } = require('node:fs');

function usage(message) {
  if (message) console.error(`wait-ready: ${message}`);
  console.error('usage: node infra/kafka/wait-ready.cjs <deadline-seconds> [--broker HOST:PORT] [--cluster-id ID] [--pid PID] [--quiet]');
  process.exit(2);
}

const args = process.argv.slice(2);
const options = { broker: `127.0.0.1:${process.env.KAFKA_PORT || '9092'}`, clusterId: undefined, pid: undefined, quiet: false };
let deadlineSeconds;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--broker') options.broker = args[++i];
  else if (arg === '--cluster-id') options.clusterId = args[++i];
  else if (arg === '--pid') options.pid = Number(args[++i]);
  else if (arg === '--quiet') options.quiet = true;
  else if (arg === '-h' || arg === '--help') usage();
  else if (deadlineSeconds === undefined && /^\d+(\.\d+)?$/.test(arg)) deadlineSeconds = Number(arg);
  else usage(`unexpected argument '${arg}'`);
}
if (deadlineSeconds === undefined) usage('missing <deadline-seconds>');
if (!options.broker) usage('--broker needs HOST:PORT');
if (options.pid !== undefined && !(options.pid > 0)) usage('--pid needs a process id');

let Kafka, logLevel;
try {
  ({ Kafka, logLevel } = require('kafkajs'));
} catch {
  console.error('wait-ready: cannot load kafkajs. Run `npm ci` in the repository root first.');
  process.exit(2);
}

/** The process exists and is not a zombie (an exited child its parent has not reaped yet). */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const describe = (error) => (error === undefined ? 'none yet' : error.message || String(error));

async function probe() {
  // One short-lived client per attempt: kafkajs' own retries are turned off, this loop does the retrying.
  const kafka = new Kafka({
    clientId: 'chorus-wait-ready',
    brokers: [options.broker],
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true, // which requires retries > 0
    transactionalId: 'chorus-wait-ready-probe',
    maxInFlightRequests: 1,
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
  });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('metadata lists no broker yet');
    if (cluster.controller === null || cluster.controller === undefined || cluster.controller < 0) {
      throw new Error('no active controller yet');
    }
    if (options.clusterId && cluster.clusterId !== options.clusterId) {
      const error = new Error(
        `the broker at ${options.broker} belongs to cluster ${cluster.clusterId}, expected ${options.clusterId}: ` +
          'another Kafka is using this port (stop it, or pick another KAFKA_PORT)',
      );
      error.fatal = true;
      throw error;
    }
    // Group coordinator round trip; creates __consumer_offsets on a fresh broker. Reads only, creates no group.
    await admin.fetchOffsets({ groupId: 'chorus-wait-ready-probe', topics: [] });
    // Transaction coordinator round trip: beginning a transaction sends FindCoordinator + InitProducerId for the
    // transactional id (which creates __transaction_state on a fresh broker); an empty transaction ends locally.
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.abort();
    return cluster;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function main() {
  const started = Date.now();
  const deadline = started + deadlineSeconds * 1000;
  let attempt = 0;
  let lastError;
  let lastReported = 0;
  while (Date.now() < deadline) {
    if (options.pid !== undefined && !alive(options.pid)) {
      console.error(`wait-ready: the broker process ${options.pid} has exited (last error: ${describe(lastError)})`);
      return 1;
    }
    attempt++;
    try {
      const cluster = await probe();
      if (!options.quiet) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        console.log(
          `wait-ready: broker ${options.broker} is ready after ${seconds}s ` +
            `(cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), controller ${cluster.controller})`,
        );
      }
      return 0;
    } catch (error) {
      if (error && error.fatal) {
        console.error(`wait-ready: ${error.message}`);
        return 1;
      }
      lastError = error;
      if (!options.quiet && Date.now() - lastReported >= 5000) {
        lastReported = Date.now();
        if (attempt > 1) console.log(`wait-ready: not ready yet (${describe(error)}), retrying...`);
      }
    }
    await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
  }
  console.error(
    `wait-ready: Kafka at ${options.broker} was not ready within ${deadlineSeconds}s ` +
      `(${attempt} attempt(s); last error: ${describe(lastError)})`,
  );
  return 1;
}

// Exit once stdout is flushed (it is asynchronous when piped).
const exit = (code) => process.stdout.write('', () => process.exit(code));
main().then(
  (code) => exit(code),
  (error) => {
    console.error(`wait-ready: unexpected failure: ${describe(error)}`);
    exit(1);
  },
);
