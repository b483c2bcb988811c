package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.LifecycleStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.Recipient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The whole qmail-send capture of real-capture-1 (multilog, 4526 lines, 2 qmail-send runs, 539
 * life cycles) through both stages, compared with its ground truth {@code lifecycles.json}.
 *
 * <p>The lines are turned into events by the production parser, and fed to the two stages in
 * operator test harnesses (no Flink job): the fast, state-inspecting twin of CaptureTruthTest.
 */
class RealCaptureTest {

    private static final String HOST = "mail";

    @Test
    void captureMatchesGroundTruth() throws Exception {
        List<QmailEvent> events = captureEvents();
        assertEquals(4526, events.size());

        JsonNode truth = new ObjectMapper().readTree(Capture.lifecyclesJson().toFile());
        try (Pipeline p = new Pipeline(new LifecycleConfig())) { // default 2 s reorder bound
            p.feed(events.toArray(new QmailEvent[0]));
            p.endOfInput();

            assertTrue(p.deadLetters.isEmpty(), () -> "dead letters: " + p.deadLetters);
            assertTrue(p.late.isEmpty());
            assertTrue(p.stageA(EventType.DELIVERY_INTERRUPTED).isEmpty(), "both exits waited for deliveries");
            assertEquals(truth.size(), p.records.size());
            assertEquals(2, p.hostEvents.stream().filter(e -> e.type == EventType.STATUS).mapToInt(e -> e.run).max().orElse(0));

            Map<Long, List<LifecycleRecord>> byId = new HashMap<>();
            for (LifecycleRecord r : p.records) {
                assertEquals(LifecycleStatus.COMPLETE, r.status);
                byId.computeIfAbsent(r.msgId, k -> new ArrayList<>()).add(r);
            }
            Map<Integer, LifecycleRecord> byIndex = new HashMap<>();
            for (JsonNode t : truth) {
                LifecycleRecord found = null;
                for (LifecycleRecord r : byId.getOrDefault(t.get("msgid").asLong(), List.of())) {
                    if (near(t.get("new"), r.newNanos)) found = r;
                }
                assertNotNull(found, "no record for " + t.get("index"));
                byIndex.put(t.get("index").asInt(), found);
            }
            int forwards = 0;
            for (JsonNode t : truth) {
                String where = "lifecycle " + t.get("index").asInt();
                LifecycleRecord r = byIndex.get(t.get("index").asInt());
                assertEquals(t.get("qmail_send_run").asInt(), r.run, where);
                assertTrue(near(t.get("info"), r.infoNanos), where);
                assertTrue(near(t.get("end"), r.endNanos), where);
                assertEquals(t.get("bytes").asLong(), r.bytes, where);
                assertEquals(t.get("sender").asText(), r.sender, where);
                assertEquals(t.get("qp").asLong(), r.qp, where);
                assertEquals(t.get("uid").asLong(), r.uid, where);
                assertEquals(t.get("triple_bounce_discarded").asBoolean(), r.tripleBounceDiscarded, where);
                JsonNode bq = t.get("bounce_msg_qp");
                assertEquals(bq.isNull() ? -1 : bq.asLong(), r.bounceQp, where);
                JsonNode of = t.get("is_bounce_of_lifecycle_index");
                if (of.isNull()) {
                    assertNull(r.bounceOf, where);
                } else {
                    LifecycleRecord orig = byIndex.get(of.asInt());
                    assertNotNull(r.bounceOf, where);
                    assertEquals(orig.msgId, r.bounceOf.msgId, where);
                    assertEquals(orig.newNanos, r.bounceOf.birthNanos, where);
                }
                if (r.forwardOf != null) forwards++;

                assertEquals(t.get("recipients").size(), r.recipients.size(), where);
                for (JsonNode tr : t.get("recipients")) {
                    Recipient rc = r.recipient(tr.get("recipient").asText(), tr.get("channel").asText());
                    assertNotNull(rc, where + " " + tr.get("recipient"));
                    assertEquals(tr.get("attempts").size(), rc.attempts.size(), where);
                    for (int i = 0; i < rc.attempts.size(); i++) {
                        JsonNode ta = tr.get("attempts").get(i);
                        Attempt a = rc.attempts.get(i);
                        assertEquals(ta.get("result").asText(), a.outcome.json(), where);
                        assertEquals(ta.get("text").asText(), a.report, where);
                        assertTrue(near(ta.get("done"), a.endNanos), where);
                        assertTrue(a.startNanos > 0 && a.startNanos <= a.endNanos, where);
                    }
                    String last = tr.get("attempts").get(tr.get("attempts").size() - 1).get("result").asText();
                    assertEquals(last, rc.finalOutcome, where);
                }
            }
            // S1e: the &alice alias forwarded one copy (lifecycle 5 is the copy of lifecycle 4)
            assertEquals(1, forwards);
            assertEquals(byIndex.get(4).msgId, byIndex.get(5).forwardOf.msgId);
            assertEquals("postmaster@example.com", byIndex.get(5).forwardOf.recipient);
            assertEquals(0, p.a.numKeyedStateEntries());
            assertEquals(0, p.openLifecycles());
        }
    }

    /** lifecycles.json gives epoch seconds as doubles (about 0.2 us resolution here). */
    private static boolean near(JsonNode seconds, long nanos) {
        long truth = new java.math.BigDecimal(seconds.asText()).movePointRight(9).longValue();
        return Math.abs(truth - nanos) <= 1_000;
    }

    /** The multilog capture's lines, parsed by the production parser, in order. */
    static List<QmailEvent> captureEvents() {
        List<QmailEvent> events = new ArrayList<>();
        for (io.qmailfleet.job.model.RawLine l : Capture.multilog(HOST)) events.add(parse(l.text));
        return events;
    }

    /** The production parser, one line at a time, as the parse stage runs it. */
    static QmailEvent parse(String line) {
        io.qmailfleet.job.parse.ParseOutcome o = PARSER.parse(new io.qmailfleet.job.model.RawLine(line, HOST, "file:capture", 0));
        if (!o.ok()) throw new AssertionError("capture line did not parse: " + o.deadLetter + " " + line);
        return o.event;
    }

    private static final io.qmailfleet.job.parse.QmailLineParser PARSER =
            new io.qmailfleet.job.parse.QmailLineParser(new io.qmailfleet.job.parse.ParserConfig());
}
