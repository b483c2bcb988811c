package io.qmailfleet.job.source;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Offsets of the input topic for bounded (backfill) runs: where the run stops, fixed before it
 * starts, and committed for the consumer group once it has finished.
 */
public final class KafkaOffsets {
    private static final long TIMEOUT_SECONDS = 60;

    private KafkaOffsets() {}

    /** The latest offset of every partition of {@code topic}, as of now. */
    public static Map<TopicPartition, Long> latest(String bootstrap, String topic) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            TopicDescription d = get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
            Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
            for (TopicPartitionInfo p : d.partitions()) specs.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = get(admin.listOffsets(specs).all());
            Map<TopicPartition, Long> out = new HashMap<>();
            r.forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }
    }

    /** Commits {@code offsets} (next offset to read per partition) for {@code groupId}. */
    public static void commit(String bootstrap, String groupId, Map<TopicPartition, Long> offsets) throws Exception {
        if (offsets.isEmpty()) return;
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        offsets.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
        try (Admin admin = admin(bootstrap)) {
            get(admin.alterConsumerGroupOffsets(groupId, commit).all());
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.CLIENT_ID_CONFIG, "qmail-fleet-offsets"));
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> f) throws Exception {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        } catch (TimeoutException e) {
            throw new TimeoutException("Kafka did not answer within " + TIMEOUT_SECONDS + " s");
        }
    }
}
