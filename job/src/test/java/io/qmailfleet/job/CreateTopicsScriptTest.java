package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/create-topics.sh} run for real against a broker, with Kafka's own topic and config
 * commands ({@code TopicCommand}, {@code ConfigCommand}) as {@code kafka-topics.sh} and
 * {@code kafka-configs.sh}: every topic exists with the configuration the script's comment promises,
 * and running it again over existing topics (the upgrade case) succeeds and keeps it.
 */
class CreateTopicsScriptTest {
    private static final String PREFIX = "ct.";

    @Test
    void createsEveryTopicWithItsConfigurationAndCanRunAgain(@TempDir Path tmp) throws Exception {
        try (KafkaClusterTestKit kafka = TestBroker.start()) {
            String bootstrap = kafka.bootstrapServers();
            Path bin = Files.createDirectories(tmp.resolve("bin"));
            tool(bin, "kafka-topics.sh", "org.apache.kafka.tools.TopicCommand");
            tool(bin, "kafka-configs.sh", "kafka.admin.ConfigCommand");
            run(bin, bootstrap);
            check(bootstrap);
            run(bin, bootstrap); // existing topics: configuration set again, nothing fails
            check(bootstrap);
        }
    }

    private static void check(String bootstrap) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            List<String> names = new ArrayList<>(List.of(PREFIX + "lines"));
            for (Output<?> o : Outputs.ALL) names.add(PREFIX + o.name());
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            for (String n : names) assertEquals(true, existing.contains(n), "topic " + n + " exists: " + existing);
            Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS);
            for (String n : names) assertEquals(2, d.get(n).partitions().size(), "partitions of " + n);
            List<ConfigResource> res = new ArrayList<>();
            for (String n : names) res.add(new ConfigResource(ConfigResource.Type.TOPIC, n));
            Map<ConfigResource, Config> cfg = admin.describeConfigs(res).all().get(60, TimeUnit.SECONDS);

            Config lines = cfg.get(new ConfigResource(ConfigResource.Type.TOPIC, PREFIX + "lines"));
            assertEquals("LogAppendTime", lines.get("message.timestamp.type").value());
            assertEquals("8388608", lines.get("max.message.bytes").value());
            assertEquals("delete", lines.get("cleanup.policy").value());
            for (Output<?> o : Outputs.ALL) {
                Config c = cfg.get(new ConfigResource(ConfigResource.Type.TOPIC, PREFIX + o.name()));
                boolean aggregate = Set.of("senders", "recipients", "domains", "hosts").contains(o.name());
                assertEquals(aggregate ? "compact,delete" : "delete", c.get("cleanup.policy").value(),
                        "cleanup.policy of " + o.name());
                assertEquals("CreateTime", c.get("message.timestamp.type").value(), o.name());
                assertEquals("3600000", c.get("message.timestamp.after.max.ms").value(), o.name());
                assertEquals("1048588", c.get("max.message.bytes").value(), o.name());
                assertEquals(o.name().equals("events") ? "259200000" : "604800000", c.get("retention.ms").value(), o.name());
            }
        }
    }

    /** A command named as the script expects that runs a Kafka tool class on this test's class path. */
    private static void tool(Path bin, String name, String mainClass) throws Exception {
        Path f = bin.resolve(name);
        Files.writeString(f, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss1m -cp '" + System.getProperty("java.class.path") + "' " + mainClass + " \"$@\"\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void run(Path bin, String bootstrap) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Capture.repo().resolve("deploy/create-topics.sh").toString(),
                bootstrap, "2", "1").redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("TOPIC_PREFIX", PREFIX);
        Process proc = pb.start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, proc.waitFor(), "create-topics.sh failed:\n" + out);
    }
}
