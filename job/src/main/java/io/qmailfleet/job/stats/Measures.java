package io.qmailfleet.job.stats;

import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.SketchState;
import io.qmailfleet.job.model.ReasonCount;
import io.qmailfleet.job.model.FactKind;
import io.qmailfleet.job.model.MessageFact;
import io.qmailfleet.job.model.StatsRecord;
import io.qmailfleet.job.model.StatsRecordSerializer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.apache.datasketches.quantilescommon.QuantilesDoublesSketchIterator;

/**
 * The counting rules: which dimension keys a fact counts for, and what it adds to each. These are
 * qmailanalog's rules (its {@code zsenders}, {@code zrecipients}, {@code zrhosts} and
 * {@code zoverall} awk scripts over matchup's output), so that a bounded run's windows sum to the
 * same numbers, plus the measures qmailanalog does not have.
 */
public final class Measures {
    private Measures() {}

    /** Distinct reasons kept per record and list; attempts of further reasons are counted in other*. */
    public static final int MAX_REASONS = 32;
    /** KLL accuracy parameter (normalised rank error about 1.3 %). */
    public static final int KLL_K = 200;

    /** An address as logged with its domain (after the last {@code @}) lower-cased. */
    public static String addressKey(String address) {
        if (address == null) return null;
        int at = address.lastIndexOf('@');
        if (at < 0 || lowerAscii(address, at + 1)) return address;
        return address.substring(0, at + 1) + address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    /** The recipient domain (after the last {@code @}), lower-cased; "" if there is none. */
    public static String domainKey(String address) {
        if (address == null) return "";
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    /**
     * True when {@code s} from {@code from} on is ASCII without a capital letter, which lower-casing
     * leaves as it is (most domains as logged): the address is then its own key.
     */
    static boolean lowerAscii(String s, int from) {
        for (int i = from, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80 || (c >= 'A' && c <= 'Z')) return false;
        }
        return true;
    }

    /** The dimensions in the order of {@link #targets}' keys: host, sender, recipient, domain. */
    public static final String[] DIMENSIONS = {StatsRecord.HOST, StatsRecord.SENDER, StatsRecord.RECIPIENT, StatsRecord.DOMAIN};

    /**
     * The keys a fact counts for, by dimension ({@link #DIMENSIONS}; null where it does not count):
     * accepted and message-end facts for the sender and the host; attempt ends for the recipient,
     * its domain, the sender and the host. A fact of a message whose {@code info msg} was not seen
     * has no sender and does not count for one.
     *
     * @param keys filled in, at least {@code DIMENSIONS.length} long
     */
    public static void targets(MessageFact f, String[] keys) {
        keys[0] = f.host;
        keys[1] = f.sender == null ? null : addressKey(f.sender);
        boolean attempt = f.kind == FactKind.ATTEMPT_END;
        keys[2] = attempt ? addressKey(f.recipient == null ? "" : f.recipient) : null;
        keys[3] = attempt ? domainKey(f.recipient) : null;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** Adds one fact to the record of one of its {@link #targets}. */
    public static void add(StatsRecord r, MessageFact f) {
        String dim = r.dimension;
        boolean perMessage = StatsRecord.SENDER.equals(dim) || StatsRecord.HOST.equals(dim);
        long bytes = Math.max(f.bytes, 0);
        long first = f.infoNanos >= 0 ? Math.min(f.infoNanos, f.tsNanos) : f.tsNanos;
        switch (f.kind) {
            case ACCEPTED:
                if (!perMessage) return;
                r.accepted++;
                r.acceptedBytes += bytes;
                break;
            case MESSAGE_END: {
                if (!perMessage) return;
                // matchup writes no m line for a message whose info line it did not see
                if (f.infoNanos < 0) return;
                int nk = f.successes, nd = f.failures, nz = f.deferrals;
                r.messages++;
                r.bytes += bytes;
                r.successBytes += bytes * nk;
                r.recipientBytes += bytes * (nk + nd);
                r.recipients += nk + nd;
                r.attempts += nk + nd + nz;
                double q = seconds(f.tsNanos - f.infoNanos);
                r.qtime += q;
                r.qtimeSketch = addValue(r.qtimeSketch, q);
                r.qtimeCount++;
                r.qtimeMax = Math.max(r.qtimeMax, q);
                if (f.bounced) {
                    if (f.sender != null && f.sender.isEmpty()) r.doubleBounces++;
                    else r.bounces++;
                }
                if (f.tripleBounce) r.tripleBounces++;
                break;
            }
            case ATTEMPT_END: {
                Outcome o = f.outcome == null ? Outcome.DEFERRAL : f.outcome;
                if (o == Outcome.INTERRUPTED) {
                    // no delivery line was logged: matchup never counts it
                    r.interrupted++;
                    break;
                }
                // matchup ignores a result whose starting delivery it did not see
                if (f.startNanos < 0) return;
                double x = seconds(f.tsNanos - f.startNanos);
                r.xdelay += x;
                if (!perMessage) {
                    r.attempts++;
                    if (o != Outcome.DEFERRAL) r.messages++;
                    if (o == Outcome.SUCCESS) r.successBytes += bytes;
                }
                switch (o) {
                    case SUCCESS: {
                        r.successes++;
                        long birth = f.infoNanos >= 0 ? f.infoNanos : f.startNanos;
                        double d = seconds(f.tsNanos - birth);
                        r.ddelay += d;
                        r.ddelayCount++;
                        r.ddelayMax = Math.max(r.ddelayMax, d);
                        if (!StatsRecord.RECIPIENT.equals(dim)) r.ddelaySketch = addValue(r.ddelaySketch, d);
                        break;
                    }
                    case DEFERRAL:
                        r.deferrals++;
                        addReason(r, true, reason(f), x);
                        break;
                    case FAILURE:
                        r.failures++;
                        addReason(r, false, reason(f), x);
                        break;
                    default:
                        break;
                }
                first = f.infoNanos >= 0 ? f.infoNanos : f.startNanos;
                break;
            }
            default:
                return;
        }
        r.firstNanos = r.firstNanos < 0 ? first : Math.min(r.firstNanos, first);
        r.lastNanos = Math.max(r.lastNanos, f.tsNanos);
    }

    /** The report a reason is taken from: matchup's {@code report_mangled} for "report mangled, will defer". */
    private static String reason(MessageFact f) {
        return f.mangled ? "report_mangled" : f.report;
    }

    private static void addReason(StatsRecord r, boolean deferral, String report, double xdelay) {
        ReasonCount n = Reasons.of(report);
        n.count = 1;
        n.xdelay = xdelay;
        mergeReason(r, deferral, n);
    }

    private static void mergeReason(StatsRecord r, boolean deferral, ReasonCount n) {
        List<ReasonCount> list = deferral ? r.deferralReasons : r.failureReasons;
        for (ReasonCount c : list) {
            if (c.sameKey(n)) {
                c.count += n.count;
                c.xdelay += n.xdelay;
                return;
            }
        }
        if (list.size() < MAX_REASONS) {
            list.add(n.copy());
        } else if (deferral) {
            r.otherDeferrals += n.count;
        } else {
            r.otherFailures += n.count;
        }
    }

    /** Values collected before they are folded into the sketch (one rebuild per batch). */
    public static final int PENDING_MAX = 1024;

    /** The sketch of a state: rebuilt from its retained items and weights, plus its pending values. */
    public static KllDoublesSketch sketch(SketchState st) {
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(KLL_K);
        if (st == null) return s;
        if (st.items != null) {
            for (int i = 0; i < st.items.length; i++) {
                if (st.weights[i] == 1) s.update(st.items[i]);
                else s.update(st.items[i], st.weights[i]);
            }
        }
        for (int i = 0; i < st.pendingCount; i++) s.update(st.pending[i]);
        return s;
    }

    private static SketchState state(KllDoublesSketch s) {
        SketchState st = new SketchState();
        int n = s.getNumRetained();
        st.items = new double[n];
        st.weights = new long[n];
        QuantilesDoublesSketchIterator it = s.iterator();
        int i = 0;
        while (it.next()) {
            st.items[i] = it.getQuantile();
            st.weights[i++] = it.getWeight();
        }
        st.pending = new double[0];
        return st;
    }

    static SketchState addValue(SketchState st, double v) {
        if (st == null) {
            st = new SketchState();
            st.pending = new double[16];
        }
        if (st.pendingCount == PENDING_MAX) {
            SketchState folded = state(sketch(st));
            folded.pending = new double[16];
            st = folded;
        }
        if (st.pendingCount == st.pending.length) {
            st.pending = java.util.Arrays.copyOf(st.pending, Math.min(PENDING_MAX, Math.max(16, st.pending.length * 2)));
        }
        st.pending[st.pendingCount++] = v;
        return st;
    }

    static SketchState mergeSketch(SketchState into, SketchState from) {
        if (from == null) return into;
        if (into == null) {
            // nothing to merge with: a copy, without rebuilding the sketch
            SketchState c = new SketchState();
            c.items = from.items == null ? null : from.items.clone();
            c.weights = from.weights == null ? null : from.weights.clone();
            c.pending = from.pending == null ? new double[0] : java.util.Arrays.copyOf(from.pending, from.pendingCount);
            c.pendingCount = from.pendingCount;
            return c;
        }
        KllDoublesSketch s = sketch(into);
        s.merge(sketch(from));
        return state(s);
    }

    /** A new, empty record of (dimension, key) for one window. */
    public static StatsRecord empty(String dimension, String key, long windowStart, long windowEnd) {
        StatsRecord r = new StatsRecord();
        r.dimension = dimension;
        r.key = key;
        r.windowStart = windowStart;
        r.windowEnd = windowEnd;
        return r;
    }

    /** Adds {@code p} (another host's part of the same key and window) to {@code into}. */
    public static void merge(StatsRecord into, StatsRecord p) {
        TreeSet<String> hosts = new TreeSet<>(into.hosts);
        hosts.addAll(p.hosts);
        into.hosts = new ArrayList<>(hosts);
        if (into.channel == null) into.channel = p.channel;
        into.messages += p.messages;
        into.bytes += p.bytes;
        into.successBytes += p.successBytes;
        into.recipientBytes += p.recipientBytes;
        into.recipients += p.recipients;
        into.attempts += p.attempts;
        into.xdelay += p.xdelay;
        into.qtime += p.qtime;
        into.ddelay += p.ddelay;
        into.accepted += p.accepted;
        into.acceptedBytes += p.acceptedBytes;
        into.successes += p.successes;
        into.deferrals += p.deferrals;
        into.failures += p.failures;
        into.interrupted += p.interrupted;
        into.bounces += p.bounces;
        into.doubleBounces += p.doubleBounces;
        into.tripleBounces += p.tripleBounces;
        if (p.firstNanos >= 0) into.firstNanos = into.firstNanos < 0 ? p.firstNanos : Math.min(into.firstNanos, p.firstNanos);
        into.lastNanos = Math.max(into.lastNanos, p.lastNanos);
        into.ddelayCount += p.ddelayCount;
        into.ddelayMax = Math.max(into.ddelayMax, p.ddelayMax);
        into.qtimeCount += p.qtimeCount;
        into.qtimeMax = Math.max(into.qtimeMax, p.qtimeMax);
        into.ddelaySketch = mergeSketch(into.ddelaySketch, p.ddelaySketch);
        into.qtimeSketch = mergeSketch(into.qtimeSketch, p.qtimeSketch);
        for (ReasonCount c : p.deferralReasons) mergeReason(into, true, c);
        for (ReasonCount c : p.failureReasons) mergeReason(into, false, c);
        into.otherDeferrals += p.otherDeferrals;
        into.otherFailures += p.otherFailures;
    }

    /** Fills the quantile fields from the sketches and orders the reasons, most frequent first. */
    public static StatsRecord finish(StatsRecord r) {
        if (r.ddelaySketch != null) {
            double[] q = quantiles(r.ddelaySketch);
            r.ddelayP50 = q[0];
            r.ddelayP90 = q[1];
            r.ddelayP99 = q[2];
        }
        if (r.qtimeSketch != null) {
            double[] q = quantiles(r.qtimeSketch);
            r.qtimeP50 = q[0];
            r.qtimeP90 = q[1];
            r.qtimeP99 = q[2];
        }
        r.deferralReasons.sort(BY_COUNT);
        r.failureReasons.sort(BY_COUNT);
        return r;
    }

    /** Reasons, most frequent first, then by key. */
    private static final Comparator<ReasonCount> BY_COUNT =
            Comparator.<ReasonCount>comparingLong(c -> -c.count).thenComparing(ReasonCount::key);

    /** The normalized ranks of a record's quantiles: p50, p90, p99. */
    static final double[] RANKS = {0.50, 0.90, 0.99};

    /**
     * The state's quantiles at {@link #RANKS} ({@code INCLUSIVE}: the first value whose rank reaches
     * it). A state whose values were never folded into a sketch (at most {@link #PENDING_MAX}, all
     * still kept) has them read from its values sorted: exact, without building a sketch. Up to
     * {@link #KLL_K} values that is what a KLL sketch of them gives (it keeps every value);
     * {@code MeasuresQuantilesTest} compares the two. A folded state's come from its KLL sketch.
     */
    static double[] quantiles(SketchState st) {
        double[] q = new double[RANKS.length];
        double[] sorted = exactSorted(st);
        if (sorted != null) {
            for (int i = 0; i < RANKS.length; i++) q[i] = sorted[exactIndex(RANKS[i], sorted.length)];
            return q;
        }
        KllDoublesSketch s = sketch(st);
        for (int i = 0; i < RANKS.length; i++) q[i] = s.getQuantile(RANKS[i], QuantileSearchCriteria.INCLUSIVE);
        return q;
    }

    /**
     * The state's values sorted (a sketch ignores NaN, so they are left out), when it has any and
     * none was folded into a sketch; else null.
     */
    static double[] exactSorted(SketchState st) {
        if (st.items != null && st.items.length > 0) return null;
        if (st.pendingCount == 0) return null;
        double[] v = new double[st.pendingCount];
        int n = 0;
        for (int i = 0; i < st.pendingCount; i++) {
            double x = st.pending[i];
            if (!Double.isNaN(x)) v[n++] = x;
        }
        if (n == 0) return null;
        if (n < v.length) v = java.util.Arrays.copyOf(v, n);
        java.util.Arrays.sort(v);
        return v;
    }

    /**
     * The index of the {@code INCLUSIVE} quantile at a normalized rank among {@code n} sorted
     * values of weight 1: the first whose cumulative weight (its index + 1) reaches the natural
     * rank, rounded as the sketch library rounds it ({@code QuantilesUtil.getNaturalRank}).
     */
    static int exactIndex(double rank, int n) {
        double natural = rank * n;
        natural = Math.round(natural * 1e7) / 1e7;
        long need = (long) Math.ceil(natural);
        if (need > n) return n - 1;
        return (int) Math.max(0, need - 1);
    }

    /**
     * A deep copy (records leave an operator while its state keeps changing): field by field, as
     * Flink copies a record between chained operators ({@link StatsRecordSerializer#copy}).
     */
    public static StatsRecord copy(StatsRecord s) {
        return StatsRecordSerializer.INSTANCE.copy(s);
    }
}
