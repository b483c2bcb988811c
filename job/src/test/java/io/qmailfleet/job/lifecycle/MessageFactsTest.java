package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.end;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.result;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.FactKind;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.QmailEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The host sequencer's side output {@link HostSequencer#FACTS}: what each fact carries, and its timestamp. */
class MessageFactsTest {
    private static KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord> harness(HostSequencer op)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord>(op, e -> e.host, Types.STRING);
        h.open();
        return h;
    }

    /** One message's lines as the parser makes them: a deferral (its report mangled), then a success. */
    private static List<QmailEvent> oneMessage() {
        QmailEvent r1 = result(3, 1, Outcome.DEFERRAL, "");
        r1.mangled = true;
        return List.of(newMsg(0, 5), info(1, 5, 300, "a@example.com", 7, 100),
                start(2, 1, 5, "remote", "x@example.net"), r1,
                start(4, 2, 5, "remote", "x@example.net"),
                result(5, 2, Outcome.SUCCESS, "192.0.2.1_accepted_message./Remote_host_said:_250_ok/"), end(6, 5));
    }

    private static void feed(KeyedOneInputStreamOperatorTestHarness<String, QmailEvent, LifecycleRecord> h) throws Exception {
        for (QmailEvent e : oneMessage()) h.processElement(e, Math.floorDiv(e.tsNanos, 1_000_000L));
    }

    @Test
    void acceptedAttemptEndsAndEndEachAtTheirLinesTime() throws Exception {
        try (var h = harness(new HostSequencer(Pipeline.inOrderConfig()).emitFacts())) {
            feed(h);
            Queue<StreamRecord<MessageFact>> out = h.getSideOutput(HostSequencer.FACTS);
            List<String> got = new ArrayList<>();
            for (StreamRecord<MessageFact> sr : out) {
                MessageFact f = sr.getValue();
                assertEquals(Ev.HOST, f.host);
                assertEquals(5, f.msgId);
                assertEquals("a@example.com", f.sender);
                assertEquals(300, f.bytes);
                assertEquals(at(1), f.infoNanos);
                assertEquals(0, f.producer);
                assertEquals(1, f.producers);
                assertEquals(Math.floorDiv(f.tsNanos, 1_000_000L), sr.getTimestamp(), "the Flink timestamp is the line's");
                got.add(f.kind + " " + (f.tsNanos - Ev.T0) / 1_000_000L + switch (f.kind) {
                    case ATTEMPT_END -> " " + f.recipient + " " + f.outcome.json() + " since " + (f.startNanos - Ev.T0) / 1_000_000L
                            + (f.mangled ? " mangled" : "") + " '" + f.report + "'";
                    case MESSAGE_END -> " nk=" + f.successes + " nz=" + f.deferrals + " nd=" + f.failures + " bounced=" + f.bounced;
                    default -> "";
                });
            }
            assertEquals(List.of(
                    "ACCEPTED 1",
                    "ATTEMPT_END 3 x@example.net deferral since 2 mangled ''",
                    "ATTEMPT_END 5 x@example.net success since 4 '192.0.2.1_accepted_message./Remote_host_said:_250_ok/'",
                    "MESSAGE_END 6 nk=1 nz=1 nd=0 bounced=false"), got);
            assertEquals(FactKind.MESSAGE_END, out.stream().reduce((a, b) -> b).orElseThrow().getValue().kind);
        }
    }

    @Test
    void noFactsUnlessAStageAskedForThem() throws Exception {
        try (var h = harness(new HostSequencer(Pipeline.inOrderConfig()))) {
            feed(h);
            assertEquals(1, h.extractOutputValues().size(), "the life cycle is written");
            Queue<StreamRecord<MessageFact>> out = h.getSideOutput(HostSequencer.FACTS);
            assertTrue(out == null || out.isEmpty());
        }
    }
}
