package io.qmailfleet.job.sink;

import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.LogFormat;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.MessageRef;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.model.RelayRef;
import io.qmailfleet.job.trace.RelayHop;
import java.util.List;
import java.util.Locale;

/**
 * The JSON of every output record: one object per line, snake_case names, times as ISO 8601 UTC
 * strings with the precision the log had (nanoseconds for multilog, microseconds for splogger).
 * The shapes are documented as JSON Schemas in {@code schemas/}.
 */
public final class JsonLines {
    /** One reused writer per thread for {@link #text}: a record costs its final string and nothing per field. */
    private static final ThreadLocal<JsonText> WRITER = ThreadLocal.withInitial(JsonText::new);

    private static final String[] TYPE_NAMES = lowerCaseNames(EventType.values());
    private static final String[] FORMAT_NAMES = lowerCaseNames(LogFormat.values());

    private JsonLines() {}

    private static String[] lowerCaseNames(Enum<?>[] values) {
        String[] names = new String[values.length];
        for (Enum<?> v : values) names[v.ordinal()] = v.name().toLowerCase(Locale.ROOT);
        return names;
    }

    /** ISO 8601 UTC text of an epoch-nanosecond time; null for -1 (unknown). */
    public static String iso(long epochNanos) {
        if (epochNanos < 0) return null;
        return JsonText.isoString(epochNanos);
    }

    /** A record's JSON as a string (the file sink writes the encoder's bytes without one). */
    public static <T> String text(JsonEncoder<T> encoder, T value) {
        JsonText g = WRITER.get();
        g.reset();
        encoder.write(g, value);
        return g.toString();
    }

    private static void optNumber(JsonText g, String name, long v) {
        if (v < 0) g.nullField(name);
        else g.numberField(name, v);
    }

    private static void optString(JsonText g, String name, String v) {
        if (v == null) g.nullField(name);
        else g.stringField(name, v);
    }

    public static String lifecycle(LifecycleRecord r) {
        return text(JsonLines::lifecycle, r);
    }

    public static void lifecycle(JsonText g, LifecycleRecord r) {
        g.startObject();
        g.plainField("record", "lifecycle");
        g.stringField("host", r.host);
        g.numberField("msg_id", r.msgId);
        g.numberField("run", Math.max(r.run, 0));
        g.stringField("status", r.status.json());
        g.booleanField("partial", r.partial);
        g.optTimeField("new", r.newNanos);
        g.optTimeField("info", r.infoNanos);
        g.optTimeField("end", r.endNanos);
        if (r.newNanos >= 0 && r.endNanos >= 0) g.numberField("queue_ms", (r.endNanos - r.newNanos) / 1_000_000L);
        else g.nullField("queue_ms");
        optNumber(g, "bytes", r.bytes);
        optString(g, "sender", r.sender);
        optString(g, "sender_kind", r.senderKind);
        optNumber(g, "qp", r.qp);
        optNumber(g, "uid", r.uid);
        recipients(g, r.recipients);
        g.objectField("counts");
        g.numberField("success", r.successes);
        g.numberField("deferral", r.deferrals);
        g.numberField("failure", r.failures);
        g.numberField("interrupted", r.interrupted);
        g.endObject();
        optNumber(g, "bounce_qp", r.bounceQp);
        g.booleanField("triple_bounce_discarded", r.tripleBounceDiscarded);
        ref(g, "bounce_of", r.bounceOf);
        ref(g, "forward_of", r.forwardOf);
        g.optTimeField("as_of", r.asOfNanos);
        g.booleanField("was_stuck", r.wasStuck);
        relayRef(g, "relayed_from", r.relayedFrom);
        if (r.relayUpdate) g.booleanField("relay_update", true);
        g.endObject();
    }

    private static void relayRef(JsonText g, String name, RelayRef ref) {
        if (ref == null) {
            g.nullField(name);
            return;
        }
        g.objectField(name);
        g.stringField("host", ref.host);
        g.numberField("msg_id", ref.msgId);
        g.optTimeField("new", ref.birthNanos);
        optNumber(g, "qp", ref.qp);
        if (ref.deliveryId >= 0) g.numberField("delivery_id", ref.deliveryId);
        if (ref.deliveryRun >= 0) g.numberField("delivery_run", ref.deliveryRun);
        if (ref.recipient != null) g.stringField("recipient", ref.recipient);
        g.endObject();
    }

    /** One relay hop (schemas/hop.schema.json). */
    public static String hop(RelayHop h) {
        return text(JsonLines::hop, h);
    }

    public static void hop(JsonText g, RelayHop h) {
        g.startObject();
        g.plainField("record", "hop");
        g.objectField("from");
        g.stringField("host", h.fromHost);
        g.numberField("msg_id", h.fromMsgId);
        g.optTimeField("new", h.fromNewNanos);
        optString(g, "sender", h.fromSender);
        optNumber(g, "delivery_id", h.deliveryId);
        g.numberField("run", Math.max(h.deliveryRun, 0));
        g.stringField("recipient", h.recipient);
        g.stringField("remote_ip", h.remoteIp);
        g.optTimeField("attempt_start", h.attemptStartNanos);
        g.optTimeField("attempt_end", h.attemptEndNanos);
        g.endObject();
        g.objectField("to");
        g.stringField("host", h.toHost);
        g.numberField("msg_id", h.toMsgId);
        g.optTimeField("new", h.toNewNanos);
        g.optTimeField("info", h.toInfoNanos);
        g.optTimeField("end", h.toEndNanos);
        optString(g, "status", h.toStatus);
        g.endObject();
        g.numberField("qp", h.qp);
        g.optTimeField("reported_time", h.reportedSeconds * 1_000_000_000L);
        long d = h.delayNanos();
        if (h.attemptStartNanos >= 0 && h.toEndNanos >= 0) g.numberField("delay_ms", Math.floorDiv(d, 1_000_000L));
        else g.nullField("delay_ms");
        long ahead = h.receiverClockAheadSeconds();
        if (ahead == Long.MIN_VALUE) g.nullField("receiver_clock_ahead_s");
        else g.numberField("receiver_clock_ahead_s", ahead);
        g.endObject();
    }

    private static void ref(JsonText g, String name, MessageRef ref) {
        if (ref == null) {
            g.nullField(name);
            return;
        }
        g.objectField(name);
        g.numberField("msg_id", ref.msgId);
        g.optTimeField("new", ref.birthNanos);
        optNumber(g, "qp", ref.qp);
        if (ref.recipient != null) g.stringField("recipient", ref.recipient);
        g.endObject();
    }

    private static void recipients(JsonText g, List<Recipient> recipients) {
        g.arrayField("recipients");
        if (recipients != null) {
            for (Recipient rc : recipients) {
                g.startObject();
                g.stringField("address", rc.address);
                g.stringField("mailbox", rc.mailbox == null ? rc.address : rc.mailbox);
                g.stringField("domain", rc.domain == null ? "" : rc.domain);
                g.stringField("channel", rc.channel);
                optString(g, "final", rc.finalOutcome);
                optNumber(g, "forward_qp", rc.forwardQp);
                g.arrayField("attempts");
                for (Attempt a : rc.attempts) {
                    g.startObject();
                    optNumber(g, "delivery_id", a.deliveryId);
                    g.numberField("run", Math.max(a.run, 0));
                    g.optTimeField("start", a.startNanos);
                    g.optTimeField("end", a.endNanos);
                    optString(g, "outcome", a.outcome == null ? null : a.outcome.json());
                    optString(g, "report", a.report);
                    if (a.mangled) g.booleanField("mangled", true);
                    if (a.hung) g.booleanField("hung", true);
                    if (a.relayedTo != null) relayRef(g, "relayed_to", a.relayedTo);
                    g.endObject();
                }
                g.endArray();
                g.endObject();
            }
        }
        g.endArray();
    }

    public static String alert(MessageAlert a) {
        return text(JsonLines::alert, a);
    }

    public static void alert(JsonText g, MessageAlert a) {
        g.startObject();
        g.plainField("record", "message_alert");
        g.stringField("kind", a.kind.json());
        g.stringField("host", a.host);
        g.numberField("msg_id", a.msgId);
        g.optTimeField("new", a.newNanos);
        g.optTimeField("at", a.atNanos);
        optNumber(g, "age_ms", a.ageMillis);
        optNumber(g, "threshold_ms", a.thresholdMillis);
        optString(g, "sender", a.sender);
        optNumber(g, "delivery_id", a.deliveryId);
        optString(g, "recipient", a.recipient);
        optString(g, "channel", a.channel);
        optString(g, "resolution", a.resolution == null ? null : a.resolution.json());
        recipients(g, a.recipients);
        g.endObject();
    }

    public static String deadLetter(DeadLetter d) {
        return text(JsonLines::deadLetter, d);
    }

    public static void deadLetter(JsonText g, DeadLetter d) {
        g.startObject();
        g.plainField("record", "dead_letter");
        g.stringField("stage", d.stage);
        g.stringField("reason", d.reason == null ? "UNRECOGNISED" : d.reason.name());
        optString(g, "detail", d.detail);
        optString(g, "host", d.host);
        optString(g, "origin", d.origin);
        optNumber(g, "position", d.position);
        g.optTimeField("ts", d.tsNanos);
        g.stringField("raw", d.raw == null ? "" : d.raw);
        g.numberField("raw_length", d.rawLength);
        g.booleanField("truncated", d.truncated);
        g.endObject();
    }

    public static String event(QmailEvent e) {
        return text(JsonLines::event, e);
    }

    public static void event(JsonText g, QmailEvent e) {
        g.startObject();
        g.plainField("record", "event");
        g.plainField("type", TYPE_NAMES[e.type.ordinal()]);
        g.stringField("host", e.host);
        g.optTimeField("ts", e.tsNanos);
        if (e.format != null) g.plainField("format", FORMAT_NAMES[e.format.ordinal()]);
        if (e.origin != null) g.repeatedStringField("origin", e.origin);
        if (e.position >= 0) g.numberField("position", e.position);
        if (e.run >= 0) g.numberField("run", e.run);
        if (e.msgId >= 0) g.numberField("msg_id", e.msgId);
        if (e.deliveryId >= 0) g.numberField("delivery_id", e.deliveryId);
        if (e.channel != null) g.stringField("channel", e.channel);
        if (e.address != null) g.stringField("address", e.address);
        if (e.mailbox != null) g.stringField("mailbox", e.mailbox);
        if (e.queue != null) g.stringField("queue", e.queue);
        if (e.outcome != null) g.stringField("outcome", e.outcome.json());
        if (e.mangled) g.booleanField("mangled", true);
        if (e.text != null) g.stringField("text", e.text);
        if (e.bytes >= 0) g.numberField("bytes", e.bytes);
        if (e.qp >= 0) g.numberField("qp", e.qp);
        if (e.uid >= 0) g.numberField("uid", e.uid);
        if (e.localUsed >= 0) {
            g.numberField("local_used", e.localUsed);
            g.numberField("local_max", e.localMax);
            g.numberField("remote_used", e.remoteUsed);
            g.numberField("remote_max", e.remoteMax);
            g.booleanField("exitasap", e.exitasap);
        }
        if (e.pid >= 0) g.numberField("pid", e.pid);
        if (e.count >= 0) g.numberField("count", e.count);
        if (e.limit >= 0) g.numberField("limit", e.limit);
        if (e.program != null) g.stringField("program", e.program);
        if (e.startNanos >= 0) g.optTimeField("start", e.startNanos);
        if (e.linkKind != null) {
            g.stringField("link_kind", e.linkKind.json());
            g.numberField("link_msg_id", e.linkMsgId);
            g.optTimeField("link_new", e.linkBirthNanos);
            if (e.linkRecipient != null) g.stringField("link_recipient", e.linkRecipient);
        }
        g.endObject();
    }
}
