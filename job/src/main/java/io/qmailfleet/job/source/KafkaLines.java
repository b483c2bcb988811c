package io.qmailfleet.job.source;

import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.model.RawLine;
import java.util.Map;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * The Kafka source: one record per line; producers key records by host so each host's lines stay
 * in one partition, in order. Watermarks per partition; live, with idleness (a bounded read's
 * partitions end instead, see {@link JobConfig#idleTimeout}).
 */
public final class KafkaLines {
    private KafkaLines() {}

    /**
     * A bounded source stops at {@code stopOffsets} if given (see {@link KafkaOffsets#latest}),
     * else at the offsets that are latest when the job starts.
     */
    public static DataStream<RawLine> stream(StreamExecutionEnvironment env, JobConfig cfg,
                                             Map<TopicPartition, Long> stopOffsets) {
        OffsetsInitializer start;
        switch (cfg.startingOffsets) {
            case "earliest": start = OffsetsInitializer.earliest(); break;
            case "latest": start = OffsetsInitializer.latest(); break;
            default: start = OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        }
        KafkaSourceBuilder<RawLine> b = KafkaSource.<RawLine>builder()
                .setBootstrapServers(cfg.kafkaBootstrap)
                .setTopics(cfg.inputTopic)
                .setGroupId(cfg.groupId)
                .setStartingOffsets(start)
                .setDeserializer(new KafkaLineDeserializer());
        if (cfg.bounded) b.setBounded(stopOffsets != null ? OffsetsInitializer.offsets(stopOffsets) : OffsetsInitializer.latest());
        return env.fromSource(b.build(), FleetPipeline.watermarks(cfg), "kafka lines").uid("kafka-source");
    }
}
