package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.lifecycle.HostStates.OpenMessage;
import io.qmailfleet.job.lifecycle.HostStates.PendingLink;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LinkKind;
import io.qmailfleet.job.model.QmailEvent;
import java.util.Iterator;
import java.util.Map;

/**
 * Links messages by qp (log-format.md section 6). A bounce: {@code bounce msg M qp Q}, then the
 * bounce's {@code info msg ... qp Q}. A forwarded copy: the copy's {@code info msg ... qp Q}
 * usually comes <em>before</em> the forwarding delivery's {@code did_0+1+0/qp_Q/}, so an
 * {@code info msg} whose qp no pending link claims is indexed ({@code openByQp}) until the forward
 * report comes, which then sends the copy a LINK event. qps are reused: a pending link is
 * forgotten after the link TTL of host time.
 */
final class LinkResolver {
    private final StateTable<Long, PendingLink> links;
    private final StateTable<Long, Long> openByQp;
    private final long linkTtlNanos;

    LinkResolver(StateTable<Long, PendingLink> links, StateTable<Long, Long> openByQp, long linkTtlNanos) {
        this.links = links;
        this.openByQp = openByQp;
        this.linkTtlNanos = linkTtlNanos;
    }

    /** {@code bounce msg M qp Q}: the bounce's {@code info msg} will carry Q. Returns the link's expiry. */
    long bounceQueued(QmailEvent ev, OpenMessage original) {
        if (ev.qp <= 0) return Long.MAX_VALUE;
        PendingLink l = new PendingLink();
        l.kind = LinkKind.BOUNCE;
        l.msgId = ev.msgId;
        l.birthNanos = original.birthNanos;
        l.createdNanos = ev.tsNanos;
        links.put(ev.qp, l);
        return Sat.add(ev.tsNanos, linkTtlNanos);
    }

    /**
     * {@code info msg} of message {@code m}: sets the link fields on the event when a pending
     * bounce or forward claims its qp; otherwise indexes the qp for a forward report to come.
     */
    void infoLogged(QmailEvent ev, OpenMessage m) {
        if (ev.qp <= 0) return;
        PendingLink l = links.get(ev.qp);
        if (l != null) {
            links.remove(ev.qp);
            if (l.msgId != ev.msgId && ev.tsNanos - l.createdNanos <= linkTtlNanos) {
                ev.linkKind = l.kind;
                ev.linkMsgId = l.msgId;
                ev.linkBirthNanos = l.birthNanos;
                ev.linkRecipient = l.recipient;
                return;
            }
        }
        // may be a forwarded copy whose forward report is still to come
        if (m.qp >= 0 && m.qp != ev.qp) dropQpIndex(m.qp, ev.msgId);
        openByQp.put(ev.qp, ev.msgId);
        m.qp = ev.qp;
    }

    /**
     * A local delivery forwarded a copy ({@code did_0+1+0/qp_<qp>/}), {@code ev} being the
     * enriched result. If the copy's {@code info msg} came first, tell the copy with a LINK event;
     * otherwise remember the qp for it. Returns a new link's expiry (MAX if none).
     */
    long forwardReported(QmailEvent ev, int run, OpenMessages messages, HostOutput out) {
        OpenMessage orig = messages.get(ev.msgId);
        long origBirth = orig == null ? -1 : orig.birthNanos;
        Long copyId = openByQp.get(ev.qp);
        if (copyId != null && copyId != ev.msgId) {
            OpenMessage copy = messages.get(copyId);
            if (copy != null && copy.qp == ev.qp && ev.tsNanos - copy.infoNanos <= linkTtlNanos) {
                openByQp.remove(ev.qp);
                copy.qp = -1;
                messages.put(copyId, copy);
                QmailEvent link = HostRules.control(EventType.LINK, ev.host, copyId, ev.tsNanos, run);
                link.qp = ev.qp;
                link.linkKind = LinkKind.FORWARD;
                link.linkMsgId = ev.msgId;
                link.linkBirthNanos = origBirth;
                link.linkRecipient = ev.address;
                out.message(link);
                return Long.MAX_VALUE;
            }
        }
        PendingLink l = new PendingLink();
        l.kind = LinkKind.FORWARD;
        l.msgId = ev.msgId;
        l.birthNanos = origBirth;
        l.recipient = ev.address;
        l.createdNanos = ev.tsNanos;
        links.put(ev.qp, l);
        return Sat.add(ev.tsNanos, linkTtlNanos);
    }

    /** A message left (ended, replaced, evicted): drop its qp from the index if it is still there. */
    void messageGone(long msgId, OpenMessage m) {
        if (m != null && m.qp >= 0) dropQpIndex(m.qp, msgId);
    }

    void dropQpIndex(long qp, long msgId) {
        Long v = openByQp.get(qp);
        if (v != null && v == msgId) openByQp.remove(qp);
    }

    /** Forgets pending links older than the TTL at host time {@code now}; returns the next expiry. */
    long expire(long now) {
        long next = Long.MAX_VALUE;
        Iterator<Map.Entry<Long, PendingLink>> li = links.iterator();
        while (li.hasNext()) {
            PendingLink l = li.next().getValue();
            if (now - l.createdNanos >= linkTtlNanos) li.remove();
            else next = Math.min(next, Sat.add(l.createdNanos, linkTtlNanos));
        }
        if (links.isEmpty()) links.clear();
        return next;
    }

    void clear() {
        links.clear();
        openByQp.clear();
    }
}
