package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.networknt.schema.JsonSchema;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleStatus;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.sink.JsonLines;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import io.qmailfleet.job.testutil.Schemas;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole graph on an indimail log (queue suffixes, {@code local:} and {@code qmail-daemon:}
 * lines, a vpopmail-style virtual-domain recipient): one exact life cycle, the recipient kept as
 * logged with the operator's mailbox beside it, and outputs that validate against their schemas.
 */
class VirtualDomainAndIndimailPipelineTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    @Test
    void indimailDeliveryToAVirtualDomain() throws Exception {
        List<String> log = List.of(
                "2026-06-25 07:50:42.582514500 qmail-daemon: qStart/qCount 1/1",
                "2026-06-25 07:50:42.585980500 qmail-daemon: pid 187, queue /var/indimail/queue/queue1 started",
                "2026-06-25 07:50:42.855081500 status: local 0/10 remote 0/20 queue1",
                "2026-06-25 08:00:09.681525500 new msg 100926020 queue1",
                "2026-06-25 08:00:09.681533500 info msg 100926020: bytes 814 from <root@mx1.example.org> qp 555 uid 0 queue1",
                "2026-06-25 08:00:09.682393500 local: root@mx1.example.org postmaster@example.com 814 queue1",
                "2026-06-25 08:00:09.682401500 starting delivery 1: msg 100926020 to local example.com-postmaster@example.com queue1",
                "2026-06-25 08:00:09.682407500 status: local 1/10 remote 0/20 queue1",
                "2026-06-25 08:00:09.690000000 starting delivery 2: msg 100926020 to remote Carol@Example.NET queue1",
                "2026-06-25 08:00:09.690100000 status: local 1/10 remote 1/20 queue1",
                "2026-06-25 08:00:09.713833500 delivery 1: success: did_0+0+1/ queue1",
                "2026-06-25 08:00:09.718460500 status: local 0/10 remote 1/20 queue1",
                "2026-06-25 08:00:10.100000000 delivery 2: success: 192.0.2.7_accepted_message./Remote_host_said:_250_ok_1782374410_qp_4242/ queue1",
                "2026-06-25 08:00:10.100100000 status: local 0/10 remote 0/20 queue1",
                "2026-06-25 08:00:10.118523500 end msg 100926020 queue1");
        List<RawLine> lines = new ArrayList<>();
        for (int i = 0; i < log.size(); i++) lines.add(new RawLine(log.get(i), "mx1", "file:/logs/mx1/current", i + 1));
        JobConfig cfg = new JobConfig();
        CollectingSinks out = PipelineRunner.runLines(cfg, lines, 2);

        assertEquals(List.of(), out.deadLetters());
        assertEquals(log.size(), out.events().size());
        List<LifecycleRecord> lcs = out.lifecycles();
        assertEquals(1, lcs.size());
        LifecycleRecord r = lcs.get(0);
        assertEquals(LifecycleStatus.COMPLETE, r.status);
        assertEquals(100926020, r.msgId);
        assertEquals("root@mx1.example.org", r.sender);
        assertEquals(2, r.successes);
        List<Recipient> rc = new ArrayList<>(r.recipients);
        rc.sort(Comparator.comparing((Recipient x) -> x.channel));
        assertEquals("example.com-postmaster@example.com", rc.get(0).address);
        assertEquals("postmaster@example.com", rc.get(0).mailbox);
        assertEquals("example.com", rc.get(0).domain);
        assertEquals("did_0+0+1/", rc.get(0).attempts.get(0).report);
        assertEquals("Carol@Example.NET", rc.get(1).address);
        assertEquals("Carol@Example.NET", rc.get(1).mailbox);
        assertEquals("example.net", rc.get(1).domain);

        JsonSchema lifecycle = Schemas.load("lifecycle.schema.json");
        String json = JsonLines.lifecycle(r);
        Set<?> problems = Schemas.validate(lifecycle, json);
        assertEquals(Set.of(), problems, json);
        JsonSchema event = Schemas.load("event.schema.json");
        for (QmailEvent e : out.events()) {
            String ej = JsonLines.event(e);
            assertEquals(Set.of(), Schemas.validate(event, ej), ej);
        }
        QmailEvent local = out.events().stream().filter(e -> e.type == EventType.LOCAL_ENVELOPE).findFirst().orElseThrow();
        assertEquals("postmaster@example.com", local.address);
        assertEquals("queue1", local.queue);
    }
}
