package io.qmailfleet.job.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.CliArgs;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.Main;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.PipelineRunner;
import io.qmailfleet.job.testutil.BrokerExtension;
import io.qmailfleet.job.testutil.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code report --kafka-bootstrap}: the outputs of a real run put on the output topics of a real
 * in-JVM broker (in the order the files hold them) give the same report as the output folder.
 */
class KafkaReportTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    @TempDir
    static Path tmp;

    @Test
    void outputTopicsGiveTheReportOfTheOutputFolder() throws Exception {
        Path out = tmp.resolve("out");
        Main.run(JobConfig.from(CliArgs.parse(new String[] {
                "--input", Capture.multilogDir().toString(), "--host", "mail", "--output", out.toString(),
                "--stats-window", "1m", "--stuck-after", "60s", "--events", "false", "--quiet"})));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        TestBroker.patient(p);
        long sent = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (String o : List.of("hosts", "senders", "domains", "lifecycles", Outputs.ALERTS.name(), Outputs.MESSAGE_ALERTS.name())) {
                for (String line : ReportCommandTest.lines(out.resolve(o))) {
                    producer.send(new ProducerRecord<>("rep." + o, "mail", line));
                    sent++;
                }
            }
            producer.flush();
        }
        assertTrue(sent > 539);

        ReportCommandTest.Result files = ReportCommandTest.report("--output", out.toString());
        Path html = tmp.resolve("kafka.html");
        ReportCommandTest.Result topics = ReportCommandTest.report("--kafka-bootstrap", BROKER.bootstrap(),
                "--topic-prefix", "rep.", "--html", html.toString());
        assertEquals(0, topics.code(), topics.err());
        assertTrue(topics.out().startsWith("qmail fleet report of topics rep.* at "), topics.out());
        assertEquals(body(files.out()), body(topics.out()));
        assertTrue(Files.readString(html).contains("data-chart=\"alert-timeline\""));

        // a prefix without topics: nothing to report
        ReportCommandTest.Result none = ReportCommandTest.report("--kafka-bootstrap", BROKER.bootstrap(), "--topic-prefix", "nope.");
        assertEquals(1, none.code(), none.err());
        assertEquals(2, ReportCommandTest.report("--kafka-bootstrap", BROKER.bootstrap(), "--output", out.toString()).code());
    }

    /** The report without its first line (which names the source). */
    private static String body(String report) {
        return report.substring(report.indexOf('\n') + 1);
    }
}
