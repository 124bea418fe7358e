import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/** Name of the assignment strategy on the wire; every member of a group using it must use it too. */
export const CO_PARTITIONED_ASSIGNER = 'ChorusCoPartitioned';

/**
 * A partition assigner that keeps the same partition number of every subscribed topic on the same consumer — Kafka's
 * RangeAssignor guarantee for co-partitioned topics, which kafkajs (round-robin only) does not offer.
 *
 * Chorus's keyed topics (feedback, exposures) have the same partition count and are keyed by userId with the same
 * partitioner, so partition p of each holds the same users. A consumer that keeps per-user state from several of them
 * (drift-watch) must own partition p of all of them, or two instances would update one user's state at once.
 *
 * Partition numbers are dealt round-robin over the members sorted by id: partition p goes to member p mod n, with the
 * p-th partition of every topic that has one.
 */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED_ASSIGNER,
  version: 0,

  async assign({ members, topics }) {
    const sortedMembers = members.map(({ memberId }) => memberId).sort();
    const assignment = new Map<string, Record<string, number[]>>(sortedMembers.map((id) => [id, {}]));
    for (const topic of topics) {
      const partitions = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId).sort((a, b) => a - b);
      for (const partition of partitions) {
        const member = assignment.get(sortedMembers[partition % sortedMembers.length]!)!;
        (member[topic] ??= []).push(partition);
      }
    }
    return sortedMembers.map((memberId) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: assignment.get(memberId)!, userData: Buffer.alloc(0) }),
    }));
  },

  protocol({ topics }) {
    return { name: CO_PARTITIONED_ASSIGNER, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
