package io.qmailfleet.job.trace;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LifecycleRecordSerializer;
import io.qmailfleet.job.model.Outcome;
import io.qmailfleet.job.model.Recipient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.Collector;

/** Turns life cycles into the two inputs of {@link RelayLinker}. */
public final class RelaySides {
    private RelaySides() {}

    /**
     * A remote success whose reply is qmail-smtpd's {@code 250 ok <T> qp <P>} (logsafe'd: spaces are
     * {@code _}); other receivers' replies ({@code 250 2.0.0 Ok: queued as ...}) carry no link.
     */
    static final Pattern QMAIL_ACCEPTED = Pattern.compile(
            "^(\\d{1,3}(?:\\.\\d{1,3}){3})_accepted_message\\./Remote_host_said:_250_ok_(\\d{1,12})_qp_(\\d{1,10})/");

    /** What {@link #QMAIL_ACCEPTED} takes from a report: the receiver's IP, its {@code T} and {@code P}. */
    record Accepted(String remoteIp, long seconds, long qp) {}

    private static final String ACCEPTED = "_accepted_message./Remote_host_said:_250_ok_";
    private static final String QP = "_qp_";

    /**
     * {@link #QMAIL_ACCEPTED} without a regex (it runs on every remote success): the report's
     * beginning read as the pattern reads it, or null where the pattern does not match. Every
     * digit run of the pattern is followed by a non-digit, so the longest run is the only one it
     * can match.
     */
    static Accepted accepted(String report) {
        int p = 0;
        for (int part = 0; part < 4; part++) {
            if (part > 0) {
                if (p >= report.length() || report.charAt(p) != '.') return null;
                p++;
            }
            int q = digits(report, p);
            if (q == p || q - p > 3) return null;
            p = q;
        }
        String ip = report.substring(0, p);
        if (!report.startsWith(ACCEPTED, p)) return null;
        p += ACCEPTED.length();
        int q = digits(report, p);
        if (q == p || q - p > 12) return null;
        long t = Long.parseLong(report, p, q, 10);
        if (!report.startsWith(QP, q)) return null;
        p = q + QP.length();
        q = digits(report, p);
        if (q == p || q - p > 10 || q >= report.length() || report.charAt(q) != '/') return null;
        return new Accepted(ip, t, Long.parseLong(report, p, q, 10));
    }

    /** The end of the run of ASCII digits at {@code p}. */
    private static int digits(String s, int p) {
        while (p < s.length() && s.charAt(p) >= '0' && s.charAt(p) <= '9') p++;
        return p;
    }

    /**
     * Relay offers of a life cycle: one per successful remote attempt answered by a qmail-smtpd,
     * each holding the life cycle object ({@link RelayOffer#pack} makes the compact form).
     */
    public static List<RelayOffer> offers(LifecycleRecord r) {
        List<RelayOffer> out = new ArrayList<>();
        if (r == null || r.recipients == null || r.relayUpdate) return out;
        for (Recipient rc : r.recipients) {
            if (!"remote".equals(rc.channel)) continue;
            for (Attempt a : rc.attempts) {
                if (a.outcome != Outcome.SUCCESS || a.report == null) continue;
                Accepted m = accepted(a.report);
                if (m == null) continue;
                RelayOffer o = new RelayOffer();
                o.remoteIp = m.remoteIp;
                o.reportedSeconds = m.seconds;
                o.qp = m.qp;
                o.recipient = rc.address;
                o.recipientDomain = rc.domain == null ? null : rc.domain.toLowerCase(Locale.ROOT);
                o.deliveryId = a.deliveryId;
                o.deliveryRun = a.run;
                o.attemptStartNanos = a.startNanos;
                o.attemptEndNanos = a.endNanos;
                o.sender = r;
                out.add(o);
            }
        }
        return out;
    }

    /**
     * A message queued by a qmail-queue that did not run on this host's behalf for a bounce or a
     * forward (those are linked on the host itself): it may have come in over SMTP. Null otherwise,
     * also when its {@code info msg} line (time and qp) is unknown. It holds the life cycle object
     * ({@link RelayReception#pack} makes the compact form).
     */
    public static RelayReception reception(LifecycleRecord r) {
        if (r == null || r.relayUpdate || r.qp <= 0 || r.infoNanos < 0 || r.bounceOf != null || r.forwardOf != null) {
            return null;
        }
        RelayReception x = new RelayReception();
        x.qp = r.qp;
        x.receiver = r;
        return x;
    }

    /** The offers of each life cycle, in their compact form (the life cycle serialized once for all of them). */
    public static final class Offers implements FlatMapFunction<LifecycleRecord, RelayOffer> {
        private static final long serialVersionUID = 1L;
        private transient DataOutputSerializer buffer;

        @Override
        public void flatMap(LifecycleRecord r, Collector<RelayOffer> out) {
            List<RelayOffer> l = offers(r);
            if (l.isEmpty()) return;
            if (buffer == null) buffer = new DataOutputSerializer(1024);
            byte[] sender = LifecycleRecordSerializer.toBytes(r, buffer);
            for (RelayOffer o : l) out.collect(o.pack(sender));
        }
    }

    /** The reception of each life cycle that may have come in over SMTP, in its compact form. */
    public static final class Receptions implements FlatMapFunction<LifecycleRecord, RelayReception> {
        private static final long serialVersionUID = 1L;
        /** One buffer for every life cycle serialized (each then costs only its own array). */
        private transient DataOutputSerializer buffer;

        @Override
        public void flatMap(LifecycleRecord r, Collector<RelayReception> out) {
            RelayReception x = reception(r);
            if (x == null) return;
            if (buffer == null) buffer = new DataOutputSerializer(1024);
            out.collect(x.pack(LifecycleRecordSerializer.toBytes(r, buffer)));
        }
    }
}
