package io.qmailfleet.job;

import static io.qmailfleet.job.FleetScenariosTest.ml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --known-hosts}: lines of other hosts are dead-lettered (UNKNOWN_HOST) with their raw text
 * and origin, and open no life cycle; without the option every host is accepted.
 */
class KnownHostsTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static List<String> message(long t, long id) {
        return List.of(
                ml(t, "new msg " + id),
                ml(t + 1, "info msg " + id + ": bytes 300 from <alice@example.com> qp " + (id + 500) + " uid 1008"),
                ml(t + 2, "starting delivery 1: msg " + id + " to local bob@example.com"),
                ml(t + 3, "delivery 1: success: did_1+0+0/"),
                ml(t + 4, "end msg " + id));
    }

    private static List<RawLine> lines() {
        List<RawLine> out = new ArrayList<>();
        List<String> mx1 = message(0, 101);
        List<String> typo = message(10, 201);
        for (int i = 0; i < mx1.size(); i++) {
            out.add(new RawLine(mx1.get(i), "mx1", "file:mx1/current", i + 1));
            out.add(new RawLine(typo.get(i), "mx1.example.com", "file:mx1.example.com/current", i + 1));
        }
        return out;
    }

    @Test
    void linesOfHostsNotListedAreDeadLetteredAndOpenNoState() throws Exception {
        CollectingSinks out = PipelineRunner.runLines(JobConfig.from(CliArgs.parse(new String[] {
                "--known-hosts", "mx1,mx2"})), lines(), 2);
        assertEquals(List.of("mx1"), out.lifecycles().stream().map(r -> r.host).distinct().toList());
        assertEquals(1, out.lifecycles().size());
        assertEquals(Set.of("mx1"), out.events().stream().map(e -> e.host).collect(Collectors.toSet()));
        List<DeadLetter> dead = out.deadLetters();
        assertEquals(5, dead.size());
        for (DeadLetter d : dead) {
            assertEquals(DeadLetterReason.UNKNOWN_HOST, d.reason);
            assertEquals("parse", d.stage);
            assertEquals("mx1.example.com", d.host);
            assertEquals("file:mx1.example.com/current", d.origin);
            assertEquals("host mx1.example.com is not in --known-hosts", d.detail);
            assertTrue(d.tsNanos > 0, d::toString);
        }
        assertEquals(message(10, 201), dead.stream().sorted((a, b) -> Long.compare(a.position, b.position))
                .map(d -> d.raw).toList());
    }

    @Test
    void withoutTheListEveryHostIsAccepted() throws Exception {
        CollectingSinks out = PipelineRunner.runLines(JobConfig.from(CliArgs.parse(new String[0])), lines(), 2);
        assertEquals(List.of(), out.deadLetters());
        assertEquals(Set.of("mx1", "mx1.example.com"),
                out.lifecycles().stream().map((LifecycleRecord r) -> r.host).collect(Collectors.toSet()));
    }
}
