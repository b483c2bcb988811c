package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static io.qmailfleet.job.lifecycle.Ev.start;
import static io.qmailfleet.job.lifecycle.Ev.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostEvictionTest {

    @Test
    void theIdleTimerClosesTheHostOnlyAfterTheTtlSinceItsLastLine() {
        HostState st = new HostState();
        st.lastActivityMillis = 1000;
        assertEquals(1000 + 500, HostEviction.idleCheck(st, 1200, 500), "a line came since: look again later");
        assertEquals(-1, HostEviction.idleCheck(st, 1500, 500));
    }

    @Test
    void closingWritesEveryOpenMessageAtTheHostsLastLineAndLeavesNoState() {
        HostRules rules = HostRules.inMemory(Pipeline.inOrderConfig(), JoinedLineParser.qmailLineParser()
                .create(new io.qmailfleet.job.parse.ParserConfig()));
        HostState st = new HostState();
        CollectingHostOutput out = new CollectingHostOutput();
        for (QmailEvent e : List.of(status(0, 0, 0), newMsg(10, 1), info(11, 1, 5, "a@example.com", 9, 1),
                start(12, 1, 1, "local", "b@example.com"), newMsg(20, 2))) {
            rules.onLine(st, Ev.HOST, e, out);
        }
        rules.close(st, Ev.HOST, EventType.FLUSH_OPEN, out);
        List<QmailEvent> flush = out.messages(EventType.FLUSH_OPEN);
        assertEquals(List.of(1L, 2L), flush.stream().map(e -> e.msgId).sorted().toList());
        assertTrue(flush.stream().allMatch(e -> e.tsNanos == at(20)));
        assertTrue(rules.messages.iterator().hasNext() == false);
        assertTrue(out.late.isEmpty() && out.deadLetters.isEmpty());
    }
}
