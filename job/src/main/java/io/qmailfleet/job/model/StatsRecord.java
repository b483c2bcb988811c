package io.qmailfleet.job.model;

import org.apache.flink.api.common.typeinfo.TypeInfo;

import java.util.ArrayList;
import java.util.List;

/**
 * Aggregates of one dimension key ({@code sender}, {@code recipient}, {@code domain} or {@code host})
 * over one window of host log time. Written to {@code senders/}, {@code recipients/},
 * {@code domains/} and {@code hosts/} (schemas/stats.schema.json), keyed by (dimension key, window
 * start): a later record for the same key and window (a late line re-fired the window, or another
 * host's part arrived) replaces the earlier one.
 *
 * <p>qmailanalog's measures keep its meaning and counting rules: a sender's (and a host's) message
 * measures count when the message ends ({@code end msg}), a recipient's and a domain's when the
 * attempt ends; xdelay always counts when the attempt ends.
 */
@TypeInfo(StatsRecordTypeInfo.Factory.class)
public class StatsRecord {
    public static final String SENDER = "sender";
    public static final String RECIPIENT = "recipient";
    public static final String DOMAIN = "domain";
    public static final String HOST = "host";

    /** {@link #SENDER}, {@link #RECIPIENT}, {@link #DOMAIN} or {@link #HOST}. */
    public String dimension;
    /**
     * Sender or recipient address as logged with its domain lower-cased ("" is the null sender,
     * {@code #@[]} the double-bounce sender), a recipient domain (lower-cased), or a host name.
     */
    public String key;
    /** Recipient only: {@code local} or {@code remote}. */
    public String channel;
    /** Window start and end (exclusive), epoch millis of host log time. */
    public long windowStart;
    public long windowEnd;
    /** Hosts whose parts are summed in this record (one for a per-host part). */
    public List<String> hosts = new ArrayList<>();
    /** 1 for the first record of (key, window), counting up with every replacement. */
    public int revision;

    // ---- qmailanalog (zsenders, zrecipients, zrhosts, zoverall)
    /**
     * sender, host: messages that ended (zsenders mess, zoverall completed messages);
     * recipient, domain: successes plus failures (zrecipients/zrhosts mess).
     */
    public long messages;
    /** sender, host: bytes of the messages that ended. */
    public long bytes;
    /** sbytes: sender, host: bytes x successes per message; recipient, domain: bytes of each success. */
    public long successBytes;
    /** rbytes (sender, host): bytes x (successes + failures) per message. */
    public long recipientBytes;
    /** sender, host: successes + failures of the messages that ended. */
    public long recipients;
    /**
     * sender, host: successes + failures + deferrals of the messages that ended (tries);
     * recipient, domain: attempts that ended with one of those.
     */
    public long attempts;
    /** Total xdelay (attempt end - attempt start) of the attempts that ended, seconds. */
    public double xdelay;
    /** host: total queue time (end msg - info msg) of the messages that ended, seconds. */
    public double qtime;
    /** host, sender, domain, recipient: total ddelay (success - info msg) of the successes, seconds. */
    public double ddelay;

    // ---- beyond qmailanalog
    /** sender, host: messages accepted ({@code info msg}) in the window: the arrival rate. */
    public long accepted;
    public long acceptedBytes;
    /** Attempts that ended in the window, by outcome. */
    public long successes;
    public long deferrals;
    public long failures;
    public long interrupted;
    /** sender, host: bounces queued for the messages that ended (sender not null). */
    public long bounces;
    /** sender, host: double bounces queued (a bounce that bounced). */
    public long doubleBounces;
    /** sender, host: failed double bounces discarded ({@code triple bounce}). */
    public long tripleBounces;
    /** First and last log time counted, epoch nanos (-1 if none). */
    public long firstNanos = -1;
    public long lastNanos = -1;

    /** Delivery delay of the successes (seconds): count and quantiles from a KLL sketch. */
    public long ddelayCount;
    public double ddelayP50;
    public double ddelayP90;
    public double ddelayP99;
    public double ddelayMax;
    /** Queue time of the messages that ended (seconds; sender and host). */
    public long qtimeCount;
    public double qtimeP50;
    public double qtimeP90;
    public double qtimeP99;
    public double qtimeMax;

    /** Top deferral and failure reasons, most frequent first. */
    public List<ReasonCount> deferralReasons = new ArrayList<>();
    public List<ReasonCount> failureReasons = new ArrayList<>();
    /** Attempts whose reason did not fit in the reason lists (beyond the top reasons kept). */
    public long otherDeferrals;
    public long otherFailures;

    /** The KLL sketches behind the quantiles (merged across hosts; not written out). Null while empty. */
    public SketchState ddelaySketch;
    public SketchState qtimeSketch;

    public StatsRecord() {}
}
