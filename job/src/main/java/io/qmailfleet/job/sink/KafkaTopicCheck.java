package io.qmailfleet.job.sink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Before a job writes to Kafka: the existing output topics must take every record the job sends.
 * A topic whose {@code max.message.bytes} is below {@code --kafka-max-record-bytes} would reject
 * records the job lets through, and a rejected record fails the sink over and over; this makes it
 * one clear error at submission instead. Topics that do not exist yet are left to the broker (and
 * to {@code deploy/create-topics.sh}).
 */
public final class KafkaTopicCheck {
    private KafkaTopicCheck() {}

    /** Throws {@link IllegalStateException} naming every output topic that cannot take the job's records. */
    public static void check(String bootstrap, List<String> topics, int maxRecordBytes) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000"))) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<ConfigResource> resources = new ArrayList<>();
            for (String topic : topics) {
                if (existing.contains(topic)) resources.add(new ConfigResource(ConfigResource.Type.TOPIC, topic));
            }
            if (resources.isEmpty()) return;
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(60, TimeUnit.SECONDS);
            List<String> problems = new ArrayList<>();
            for (ConfigResource r : resources) {
                ConfigEntry e = configs.get(r).get("max.message.bytes");
                if (e == null || e.value() == null) continue;
                long topicMax = Long.parseLong(e.value());
                if (topicMax < maxRecordBytes) {
                    problems.add(r.name() + " has max.message.bytes " + topicMax);
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException("Kafka output topics take smaller records than --kafka-max-record-bytes "
                        + maxRecordBytes + ": " + String.join(", ", problems)
                        + "; lower --kafka-max-record-bytes or raise the topics' max.message.bytes (deploy/create-topics.sh)");
            }
        }
    }
}
