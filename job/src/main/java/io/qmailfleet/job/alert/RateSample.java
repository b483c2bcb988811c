package io.qmailfleet.job.alert;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The narrow input of the fleet-wide rate rules (domain trouble, sender spike): one fleet-wide
 * aggregate of a domain or a sender over one window of log time. It is a projection of the stats
 * stage's {@code domains}/{@code senders} records (same field meanings: dimension, key, window,
 * revision, hosts, attempts, deferrals, failures, accepted); a later revision of the same window
 * replaces the earlier one. Its serializer is {@link RateSampleSerializer} ({@code @TypeInfo}).
 */
@TypeInfo(RateSampleTypeInfo.Factory.class)
public class RateSample {
    public static final String DOMAIN = "domain";
    public static final String SENDER = "sender";
    /** One recipient's aggregate, keyed by its domain: counts that domain's distinct recipients in trouble. */
    public static final String RECIPIENT = "recipient";

    /** {@link #DOMAIN}, {@link #RECIPIENT} or {@link #SENDER}. */
    public String dimension;
    /** The recipient domain (lower-cased) or the sender address. */
    public String key;
    /** Window start and end (exclusive), epoch millis of log time. */
    public long windowStart;
    public long windowEnd;
    public int revision;
    public List<String> hosts = new ArrayList<>();
    /** Domain: attempts that ended with a success, deferral or failure, and those deferred or failed. */
    public long attempts;
    public long deferrals;
    public long failures;
    /** Domain: distinct recipients attempted, -1 when the aggregate does not know. */
    public long recipients = -1;
    /** Sender: messages accepted ({@code info msg}) in the window. */
    public long accepted;

    public RateSample() {}

    /** The sample of a stats record of a domain, recipient or sender; null for other dimensions. */
    public static RateSample of(io.qmailfleet.job.model.StatsRecord r) {
        String dim;
        switch (r.dimension) {
            case io.qmailfleet.job.model.StatsRecord.DOMAIN: dim = DOMAIN; break;
            case io.qmailfleet.job.model.StatsRecord.RECIPIENT:
                // only recipients in trouble count (a later revision only adds to the counts, so
                // one left out here comes back if it defers later in the same window)
                if (r.deferrals + r.failures == 0) return null;
                dim = RECIPIENT;
                break;
            case io.qmailfleet.job.model.StatsRecord.SENDER: dim = SENDER; break;
            default: return null;
        }
        RateSample s = new RateSample();
        s.dimension = dim;
        s.key = r.key;
        s.windowStart = r.windowStart;
        s.windowEnd = r.windowEnd;
        s.revision = r.revision;
        s.hosts = new ArrayList<>(r.hosts);
        s.attempts = r.attempts;
        s.deferrals = r.deferrals;
        s.failures = r.failures;
        s.accepted = r.accepted;
        return s;
    }

    /** The key of the rate engine: a recipient's sample goes to its domain's. */
    public String engineKey() {
        if (RECIPIENT.equals(dimension)) {
            int at = key.lastIndexOf('@');
            return DOMAIN + ":" + (at < 0 ? "" : key.substring(at + 1).toLowerCase(java.util.Locale.ROOT));
        }
        return dimension + ":" + key;
    }
}
