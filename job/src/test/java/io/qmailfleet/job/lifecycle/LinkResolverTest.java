package io.qmailfleet.job.lifecycle;

import static io.qmailfleet.job.lifecycle.Ev.at;
import static io.qmailfleet.job.lifecycle.Ev.bounce;
import static io.qmailfleet.job.lifecycle.Ev.forwarded;
import static io.qmailfleet.job.lifecycle.Ev.info;
import static io.qmailfleet.job.lifecycle.Ev.newMsg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.lifecycle.HostStates.HostState;
import io.qmailfleet.job.lifecycle.HostStates.OpenMessage;
import io.qmailfleet.job.lifecycle.HostStates.PendingLink;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LinkKind;
import io.qmailfleet.job.model.QmailEvent;
import org.junit.jupiter.api.Test;

class LinkResolverTest {
    private final LifecycleConfig config = new LifecycleConfig();
    private final HostState st = new HostState();
    private final StateTable<Long, PendingLink> pending = StateTable.inMemory();
    private final StateTable<Long, Long> byQp = StateTable.inMemory();
    private final LinkResolver links = new LinkResolver(pending, byQp, config.linkTtlNanos);
    private final OpenMessages messages = new OpenMessages(StateTable.inMemory(), config.stuckAfterNanos);
    private final CollectingHostOutput out = new CollectingHostOutput();

    private QmailEvent infoOf(long ms, long id, long qp) {
        QmailEvent e = info(ms, id, 100, "", qp, 1);
        OpenMessage m = messages.touch(st, e);
        m.infoNanos = e.tsNanos;
        links.infoLogged(e, m);
        messages.put(id, m);
        return e;
    }

    @Test
    void aBounceIsLinkedToItsOriginalByTheQpOfItsInfoLine() {
        messages.born(st, newMsg(0, 10));
        QmailEvent b = bounce(100, 10, 4242);
        assertEquals(at(100) + config.linkTtlNanos, links.bounceQueued(b, messages.touch(st, b)));
        messages.born(st, newMsg(150, 11));
        QmailEvent i = infoOf(151, 11, 4242);
        assertEquals(LinkKind.BOUNCE, i.linkKind);
        assertEquals(10, i.linkMsgId);
        assertEquals(at(0), i.linkBirthNanos);
        assertTrue(pending.isEmpty());
        assertTrue(byQp.isEmpty(), "a linked info line is not indexed");
    }

    @Test
    void aForwardReportedAfterTheCopysInfoLineSendsTheCopyALinkEvent() {
        messages.born(st, newMsg(0, 20)); // the original
        messages.born(st, newMsg(10, 21)); // the copy, queued by qmail-local
        assertNull(infoOf(11, 21, 777).linkKind);
        assertEquals(21L, byQp.get(777L));
        QmailEvent fwd = forwarded(12, 5, 777);
        fwd.msgId = 20; // as the delivery matcher enriched it
        fwd.address = "alias@example.com";
        assertEquals(Long.MAX_VALUE, links.forwardReported(fwd, 1, messages, out));
        QmailEvent link = out.messages(EventType.LINK).get(0);
        assertEquals(21, link.msgId);
        assertEquals(LinkKind.FORWARD, link.linkKind);
        assertEquals(20, link.linkMsgId);
        assertEquals("alias@example.com", link.linkRecipient);
        assertEquals(at(12), link.tsNanos);
        assertTrue(byQp.isEmpty());
    }

    @Test
    void aForwardReportedBeforeTheCopysInfoLineWaitsForIt() {
        messages.born(st, newMsg(0, 20));
        QmailEvent fwd = forwarded(12, 5, 778);
        fwd.msgId = 20;
        links.forwardReported(fwd, 1, messages, out);
        assertTrue(out.messages.isEmpty());
        messages.born(st, newMsg(13, 22));
        QmailEvent i = infoOf(14, 22, 778);
        assertEquals(LinkKind.FORWARD, i.linkKind);
        assertEquals(20, i.linkMsgId);
    }

    @Test
    void pendingLinksExpireAfterTheTtlAndAReusedQpDoesNotLink() {
        messages.born(st, newMsg(0, 30));
        QmailEvent b = bounce(100, 30, 4243);
        links.bounceQueued(b, messages.touch(st, b));
        long ttlMs = config.linkTtlNanos / 1_000_000L;
        assertEquals(at(100) + config.linkTtlNanos, links.expire(at(200)));
        assertEquals(Long.MAX_VALUE, links.expire(at(100 + ttlMs)));
        assertTrue(pending.isEmpty());
        messages.born(st, newMsg(100 + ttlMs + 1, 31));
        assertNull(infoOf(100 + ttlMs + 2, 31, 4243).linkKind);
    }
}
