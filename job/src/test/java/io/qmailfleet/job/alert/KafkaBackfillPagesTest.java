package io.qmailfleet.job.alert;

import static io.qmailfleet.job.alert.Fleet.OK;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qmailfleet.job.alert.Fleet.Host;
import io.qmailfleet.job.alert.Fleet.Run;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.testutil.BrokerExtension;
import io.qmailfleet.job.testutil.PipelineRunner;
import io.qmailfleet.job.testutil.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded read of a Kafka topic (a backfill from Kafka, on a real in-JVM broker) pages as a
 * backfill of the hosts' files does: every host's part of a stats window is in before the fleet
 * rules judge the window, also for a host that logs seldom, whose own clock passes a window minutes
 * after the others' lines did.
 */
class KafkaBackfillPagesTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    private static final long MIN = 60_000L;

    /**
     * The fleet of {@link FleetRateScenariosTest#fewMessages} (mx2 logs once every two and a half
     * minutes) and mx3, which logs every 20 s, healthy traffic only. Three partitions: mx1 alone on
     * one, mx2 and mx3 together on another, the third empty, as a producer keyed by host spreads a
     * small fleet. The lines are produced in the order they were written.
     */
    @Test
    void aBoundedKafkaReadJudgesEveryHostsPartAsAFileBackfillDoes(@TempDir Path tmp) throws Exception {
        Host[] fleet = FleetRateScenariosTest.fewMessages();
        Host a = fleet[0], b = fleet[1];
        Host c = new Host("mx3", 0).startup(0);
        for (long t = MIN; t <= 60 * MIN; t += 20_000) c.message(t + 300, "ok@up.example", OK);
        String topic = "backfill.lines";
        List<RawLine> lines = Fleet.live(a, b, c);
        produce(topic, 3, lines, Map.of("mx1", 0, "mx2", 1, "mx3", 1));

        Run files = Fleet.runFiles(Fleet.config("--input", FleetRateScenariosTest.files(tmp, a, b, c).toString()), 2);
        Run fromKafka = Fleet.runKafka(Fleet.config("--kafka-bootstrap", BROKER.bootstrap(), "--input-topic", topic,
                "--starting-offsets", "earliest", "--bounded", "true"), 2);
        assertEquals((long) lines.size(), ((Number) fromKafka.result.getAllAccumulatorResults().get(io.qmailfleet.job.parse.ParseFunction.ACC_READ)).longValue(),
                "the bounded read took every line produced");
        for (Run r : List.of(files, fromKafka)) {
            assertEquals(0, FleetRateScenariosTest.lateParts(r), (r == files ? "files" : "kafka") + ": every host's part came before its window was judged");
            List<String> seq = r.byKey().get("domain_trouble:fleet:down.example");
            assertEquals(2, seq == null ? 0 : seq.size(), r.byKey().toString());
            PageEvent trigger = r.pages().stream().filter(p -> p.eventAction.equals(PageEvent.TRIGGER)).findFirst().orElseThrow();
            assertEquals(List.of("mx1", "mx2"), trigger.hosts, trigger.toString());
        }
        FleetRateScenariosTest.assertSamePages(files, fromKafka);
    }

    /** {@code lines} into a new topic of {@code partitions}, each host's to the partition given, keyed by host. */
    private static void produce(String topic, int partitions, List<RawLine> lines, Map<String, Integer> partitionOf)
            throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
        Properties p = TestBroker.patient(new Properties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (RawLine l : lines) {
                sent.add(producer.send(new ProducerRecord<>(topic, partitionOf.get(l.host),
                        l.host.getBytes(StandardCharsets.UTF_8), l.text.getBytes(StandardCharsets.UTF_8))));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) f.get();
        }
    }
}
