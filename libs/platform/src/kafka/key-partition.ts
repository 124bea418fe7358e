import { Partitioners, type PartitionMetadata } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();
const metadata = new Map<number, PartitionMetadata[]>();

/**
 * The partition Kafka's default (murmur2, Java-compatible) partitioner gives a keyed message in a topic of
 * `partitions` partitions — where every Chorus producer puts a user's events (keyed by userId). Offline replays use it
 * to shard users as the learner does (scripts/judgment-replay.ts).
 */
export function kafkaKeyPartition(key: string, partitions: number): number {
  if (!(Number.isInteger(partitions) && partitions >= 1)) throw new RangeError(`kafkaKeyPartition: partitions is ${partitions}; it must be an integer ≥ 1`);
  let partitionMetadata = metadata.get(partitions);
  if (partitionMetadata === undefined) {
    partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    metadata.set(partitions, partitionMetadata);
  }
  // A keyed message's partition depends only on the key and the partition count (no round-robin state is touched).
  return partitioner({ topic: 'key-partition', partitionMetadata, message: { key, value: null } });
}
