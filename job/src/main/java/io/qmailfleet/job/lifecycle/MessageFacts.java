package io.qmailfleet.job.lifecycle;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.FactKind;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleStatus;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.Recipient;

/**
 * Makes the {@link MessageFact}s of {@link HostSequencer}'s side output
 * {@link HostSequencer#FACTS} from the record at the moment {@link LifecycleAssembler} reports
 * (plain Java). Each fact is a copy: it shares nothing with the record, which stays in state.
 * A host's facts all come from the one subtask that holds the host, in its log order: producer 0
 * of 1 ({@link MessageFact#producer}).
 */
public final class MessageFacts {
    private static final int PRODUCER = 0;
    private static final int PRODUCERS = 1;

    private MessageFact base(LifecycleRecord r, FactKind kind, long tsNanos) {
        MessageFact f = new MessageFact();
        f.kind = kind;
        f.producer = PRODUCER;
        f.producers = PRODUCERS;
        f.host = r.host;
        f.msgId = r.msgId;
        f.tsNanos = tsNanos;
        f.sender = r.sender;
        f.uid = r.uid;
        f.bytes = r.bytes;
        f.infoNanos = r.infoNanos;
        return f;
    }

    /** The host's clock reached {@code tsNanos}: no fact of the host before it is still to come. */
    public MessageFact clock(String host, long tsNanos) {
        MessageFact f = new MessageFact();
        f.kind = FactKind.CLOCK;
        f.producer = PRODUCER;
        f.producers = PRODUCERS;
        f.host = host;
        f.tsNanos = tsNanos;
        return f;
    }

    /** {@code info msg} at {@code atNanos} (the record already holds its sender, size and time). */
    public MessageFact accepted(LifecycleRecord r, long atNanos) {
        MessageFact f = base(r, FactKind.ACCEPTED, atNanos);
        if (f.sender == null) f.sender = "";
        return f;
    }

    /** Attempt {@code a} of recipient {@code rc} got its outcome. */
    public MessageFact attemptEnded(LifecycleRecord r, Recipient rc, Attempt a) {
        MessageFact f = base(r, FactKind.ATTEMPT_END, a.endNanos);
        f.recipient = rc.address == null ? "" : rc.address;
        f.channel = rc.channel;
        f.startNanos = a.startNanos;
        f.outcome = a.outcome == null ? Outcome.DEFERRAL : a.outcome;
        if (f.outcome != Outcome.INTERRUPTED) {
            f.report = a.report == null ? "" : a.report;
            f.mangled = a.mangled;
        }
        return f;
    }

    /** The message ended ({@code end msg}); null for a record written open or abandoned. */
    public MessageFact ended(LifecycleRecord r) {
        if (r.status != LifecycleStatus.COMPLETE) return null;
        MessageFact f = base(r, FactKind.MESSAGE_END, r.endNanos);
        f.successes = r.successes;
        f.failures = r.failures;
        f.deferrals = r.deferrals;
        f.bounced = r.bounceQp >= 0;
        f.tripleBounce = r.tripleBounceDiscarded;
        return f;
    }
}
