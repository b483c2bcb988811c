package io.qmailfleet.job.model;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One message life cycle on one host: {@code new msg} .. {@code end msg}, with its recipients and
 * every delivery attempt, and the links to its bounce or to the message it bounces or forwards.
 * Written to the {@code lifecycles} output (schemas/lifecycle.schema.json).
 *
 * <p>Flink writes it with {@link LifecycleRecordSerializer} (see {@link LifecycleRecordTypeInfo}): a
 * field added here, or in a class nested in it, must be added there too.
 */
@TypeInfo(LifecycleRecordTypeInfo.Factory.class)
public class LifecycleRecord {
    public String host;
    public long msgId = -1;
    /** qmail-send run (per host) in which {@code new msg} was logged; 0 if before the first start-up seen. */
    public int run = -1;
    /**
     * {@code complete} (end msg seen), {@code open} (still queued when a bounded input ended),
     * {@code abandoned} (evicted after the maximum open age or a silent host).
     */
    public LifecycleStatus status;
    /** True when the log began after this message's {@code new msg} (deliveries of an unknown message). */
    public boolean partial;
    public long newNanos = -1;
    public long infoNanos = -1;
    public long endNanos = -1;
    public long bytes = -1;
    /** Envelope sender as logged, without the angle brackets: "" for a bounce, {@code #@[]} for a double bounce. */
    public String sender;
    /** {@code normal}, {@code null} (empty sender: a bounce) or {@code double-bounce} ({@code #@[]}); null if no info line. */
    public String senderKind;
    public long qp = -1;
    public long uid = -1;
    public List<Recipient> recipients = new ArrayList<>();
    public int successes;
    public int deferrals;
    public int failures;
    public int interrupted;
    /** qp of this message's bounce ({@code bounce msg <id> qp <qp>}), -1 if it did not bounce. */
    public long bounceQp = -1;
    /** {@code triple bounce: discarding bounce/<id>}: a failed double bounce was dropped. */
    public boolean tripleBounceDiscarded;
    /** Set when this message is a bounce: the message it reports on. */
    public MessageRef bounceOf;
    /** Set when this message is a forwarded copy: the message and recipient that forwarded it. */
    public MessageRef forwardOf;
    /** Log time of the host when the record was written (end msg, or the host's last line for open ones). */
    public long asOfNanos = -1;
    /** Whether a stuck-message alert was raised for it while open. */
    public boolean wasStuck;
    /** Set when another fleet host relayed this message here over SMTP (see io.qmailfleet.job.trace). */
    public RelayRef relayedFrom;
    /**
     * True on a record the relay trace wrote again because a relay link was found after the life
     * cycle had been written: the same (host, msg id, new) with link fields added.
     */
    public boolean relayUpdate;

    public LifecycleRecord() {}

    public Recipient recipient(String address, String channel) {
        for (Recipient r : recipients) {
            if (r.address.equals(address) && r.channel.equals(channel)) return r;
        }
        return null;
    }
}
