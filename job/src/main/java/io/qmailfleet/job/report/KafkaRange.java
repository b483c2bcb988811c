package io.qmailfleet.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The output topics as a report source: every committed record of {@code <prefix><output>} from
 * the earliest offset to the end offsets at the time it is read (a bounded range: records written
 * while the report reads are not waited for). No consumer group is joined and no offset committed.
 */
final class KafkaRange implements ReportData.Source, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KafkaConsumer<String, String> consumer;
    private final String prefix;
    private final Duration timeout;

    KafkaRange(String bootstrap, String prefix, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(p);
        this.prefix = prefix;
        this.timeout = timeout;
    }

    @Override
    public List<JsonNode> read(String output) throws IOException {
        String topic = prefix + output;
        List<JsonNode> out = new ArrayList<>();
        Map<String, List<PartitionInfo>> topics = consumer.listTopics(timeout);
        List<PartitionInfo> infos = topics.get(topic);
        if (infos == null || infos.isEmpty()) return out;
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo i : infos) parts.add(new TopicPartition(topic, i.partition()));
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(parts, timeout));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done(end)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("topic " + topic + " not read to its end offsets " + end + " within " + timeout);
            }
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                if (r.offset() >= end.getOrDefault(new TopicPartition(r.topic(), r.partition()), Long.MAX_VALUE)) continue;
                if (r.value() == null) continue;
                try {
                    out.add(JSON.readTree(r.value()));
                } catch (IOException e) {
                    throw new IOException(topic + " partition " + r.partition() + " offset " + r.offset() + " is not JSON: " + e.getMessage(), e);
                }
            }
        }
        consumer.unsubscribe();
        return out;
    }

    private boolean done(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            // a read_committed position can stop before the end offset only at a transaction marker
            // or an aborted record, which the position then passes
            if (consumer.position(e.getKey()) < e.getValue()) return false;
        }
        return true;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
