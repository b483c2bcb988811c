package io.qmailfleet.job.sink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.qmailfleet.job.model.Attempt;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.MessageAlert;
import io.qmailfleet.job.model.MessageRef;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.Recipient;
import io.qmailfleet.job.model.RelayRef;
import io.qmailfleet.job.trace.RelayHop;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The JSON of every output record: one object per line, snake_case names, times as ISO 8601 UTC
 * strings with the precision the log had (nanoseconds for multilog, microseconds for splogger).
 * The shapes are documented as JSON Schemas in {@code schemas/}.
 */
public final class JsonLines {
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonLines() {}

    /** ISO 8601 UTC text of an epoch-nanosecond time; null for -1 (unknown). */
    public static String iso(long epochNanos) {
        if (epochNanos < 0) return null;
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                Math.floorMod(epochNanos, 1_000_000_000L)).toString();
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static String json(Body body) {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void time(JsonGenerator g, String name, long nanos) throws IOException {
        String s = iso(nanos);
        if (s == null) g.writeNullField(name);
        else g.writeStringField(name, s);
    }

    private static void optNumber(JsonGenerator g, String name, long v) throws IOException {
        if (v < 0) g.writeNullField(name);
        else g.writeNumberField(name, v);
    }

    private static void optString(JsonGenerator g, String name, String v) throws IOException {
        if (v == null) g.writeNullField(name);
        else g.writeStringField(name, v);
    }

    public static String lifecycle(LifecycleRecord r) {
        return json(g -> {
            g.writeStringField("record", "lifecycle");
            g.writeStringField("host", r.host);
            g.writeNumberField("msg_id", r.msgId);
            g.writeNumberField("run", Math.max(r.run, 0));
            g.writeStringField("status", r.status.json());
            g.writeBooleanField("partial", r.partial);
            time(g, "new", r.newNanos);
            time(g, "info", r.infoNanos);
            time(g, "end", r.endNanos);
            if (r.newNanos >= 0 && r.endNanos >= 0) g.writeNumberField("queue_ms", (r.endNanos - r.newNanos) / 1_000_000L);
            else g.writeNullField("queue_ms");
            optNumber(g, "bytes", r.bytes);
            optString(g, "sender", r.sender);
            optString(g, "sender_kind", r.senderKind);
            optNumber(g, "qp", r.qp);
            optNumber(g, "uid", r.uid);
            recipients(g, r.recipients);
            g.writeObjectFieldStart("counts");
            g.writeNumberField("success", r.successes);
            g.writeNumberField("deferral", r.deferrals);
            g.writeNumberField("failure", r.failures);
            g.writeNumberField("interrupted", r.interrupted);
            g.writeEndObject();
            optNumber(g, "bounce_qp", r.bounceQp);
            g.writeBooleanField("triple_bounce_discarded", r.tripleBounceDiscarded);
            ref(g, "bounce_of", r.bounceOf);
            ref(g, "forward_of", r.forwardOf);
            time(g, "as_of", r.asOfNanos);
            g.writeBooleanField("was_stuck", r.wasStuck);
            relayRef(g, "relayed_from", r.relayedFrom);
            if (r.relayUpdate) g.writeBooleanField("relay_update", true);
        });
    }

    private static void relayRef(JsonGenerator g, String name, RelayRef ref) throws IOException {
        if (ref == null) {
            g.writeNullField(name);
            return;
        }
        g.writeObjectFieldStart(name);
        g.writeStringField("host", ref.host);
        g.writeNumberField("msg_id", ref.msgId);
        time(g, "new", ref.birthNanos);
        optNumber(g, "qp", ref.qp);
        if (ref.deliveryId >= 0) g.writeNumberField("delivery_id", ref.deliveryId);
        if (ref.deliveryRun >= 0) g.writeNumberField("delivery_run", ref.deliveryRun);
        if (ref.recipient != null) g.writeStringField("recipient", ref.recipient);
        g.writeEndObject();
    }

    /** One relay hop (schemas/hop.schema.json). */
    public static String hop(RelayHop h) {
        return json(g -> {
            g.writeStringField("record", "hop");
            g.writeObjectFieldStart("from");
            g.writeStringField("host", h.fromHost);
            g.writeNumberField("msg_id", h.fromMsgId);
            time(g, "new", h.fromNewNanos);
            optString(g, "sender", h.fromSender);
            optNumber(g, "delivery_id", h.deliveryId);
            g.writeNumberField("run", Math.max(h.deliveryRun, 0));
            g.writeStringField("recipient", h.recipient);
            g.writeStringField("remote_ip", h.remoteIp);
            time(g, "attempt_start", h.attemptStartNanos);
            time(g, "attempt_end", h.attemptEndNanos);
            g.writeEndObject();
            g.writeObjectFieldStart("to");
            g.writeStringField("host", h.toHost);
            g.writeNumberField("msg_id", h.toMsgId);
            time(g, "new", h.toNewNanos);
            time(g, "info", h.toInfoNanos);
            time(g, "end", h.toEndNanos);
            optString(g, "status", h.toStatus);
            g.writeEndObject();
            g.writeNumberField("qp", h.qp);
            time(g, "reported_time", h.reportedSeconds * 1_000_000_000L);
            long d = h.delayNanos();
            if (h.attemptStartNanos >= 0 && h.toEndNanos >= 0) g.writeNumberField("delay_ms", Math.floorDiv(d, 1_000_000L));
            else g.writeNullField("delay_ms");
            long ahead = h.receiverClockAheadSeconds();
            if (ahead == Long.MIN_VALUE) g.writeNullField("receiver_clock_ahead_s");
            else g.writeNumberField("receiver_clock_ahead_s", ahead);
        });
    }

    private static void ref(JsonGenerator g, String name, MessageRef ref) throws IOException {
        if (ref == null) {
            g.writeNullField(name);
            return;
        }
        g.writeObjectFieldStart(name);
        g.writeNumberField("msg_id", ref.msgId);
        time(g, "new", ref.birthNanos);
        optNumber(g, "qp", ref.qp);
        if (ref.recipient != null) g.writeStringField("recipient", ref.recipient);
        g.writeEndObject();
    }

    private static void recipients(JsonGenerator g, List<Recipient> recipients) throws IOException {
        g.writeArrayFieldStart("recipients");
        if (recipients != null) {
            for (Recipient rc : recipients) {
                g.writeStartObject();
                g.writeStringField("address", rc.address);
                g.writeStringField("mailbox", rc.mailbox == null ? rc.address : rc.mailbox);
                g.writeStringField("domain", rc.domain == null ? "" : rc.domain);
                g.writeStringField("channel", rc.channel);
                optString(g, "final", rc.finalOutcome);
                optNumber(g, "forward_qp", rc.forwardQp);
                g.writeArrayFieldStart("attempts");
                for (Attempt a : rc.attempts) {
                    g.writeStartObject();
                    optNumber(g, "delivery_id", a.deliveryId);
                    g.writeNumberField("run", Math.max(a.run, 0));
                    time(g, "start", a.startNanos);
                    time(g, "end", a.endNanos);
                    optString(g, "outcome", a.outcome == null ? null : a.outcome.json());
                    optString(g, "report", a.report);
                    if (a.mangled) g.writeBooleanField("mangled", true);
                    if (a.hung) g.writeBooleanField("hung", true);
                    if (a.relayedTo != null) relayRef(g, "relayed_to", a.relayedTo);
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
        }
        g.writeEndArray();
    }

    public static String alert(MessageAlert a) {
        return json(g -> {
            g.writeStringField("record", "message_alert");
            g.writeStringField("kind", a.kind.json());
            g.writeStringField("host", a.host);
            g.writeNumberField("msg_id", a.msgId);
            time(g, "new", a.newNanos);
            time(g, "at", a.atNanos);
            optNumber(g, "age_ms", a.ageMillis);
            optNumber(g, "threshold_ms", a.thresholdMillis);
            optString(g, "sender", a.sender);
            optNumber(g, "delivery_id", a.deliveryId);
            optString(g, "recipient", a.recipient);
            optString(g, "channel", a.channel);
            optString(g, "resolution", a.resolution == null ? null : a.resolution.json());
            recipients(g, a.recipients);
        });
    }

    public static String deadLetter(DeadLetter d) {
        return json(g -> {
            g.writeStringField("record", "dead_letter");
            g.writeStringField("stage", d.stage);
            g.writeStringField("reason", d.reason == null ? "UNRECOGNISED" : d.reason.name());
            optString(g, "detail", d.detail);
            optString(g, "host", d.host);
            optString(g, "origin", d.origin);
            optNumber(g, "position", d.position);
            time(g, "ts", d.tsNanos);
            g.writeStringField("raw", d.raw == null ? "" : d.raw);
            g.writeNumberField("raw_length", d.rawLength);
            g.writeBooleanField("truncated", d.truncated);
        });
    }

    public static String event(QmailEvent e) {
        return json(g -> {
            g.writeStringField("record", "event");
            g.writeStringField("type", e.type.name().toLowerCase(Locale.ROOT));
            g.writeStringField("host", e.host);
            time(g, "ts", e.tsNanos);
            if (e.format != null) g.writeStringField("format", e.format.name().toLowerCase(Locale.ROOT));
            if (e.origin != null) g.writeStringField("origin", e.origin);
            if (e.position >= 0) g.writeNumberField("position", e.position);
            if (e.run >= 0) g.writeNumberField("run", e.run);
            if (e.msgId >= 0) g.writeNumberField("msg_id", e.msgId);
            if (e.deliveryId >= 0) g.writeNumberField("delivery_id", e.deliveryId);
            if (e.channel != null) g.writeStringField("channel", e.channel);
            if (e.address != null) g.writeStringField("address", e.address);
            if (e.mailbox != null) g.writeStringField("mailbox", e.mailbox);
            if (e.queue != null) g.writeStringField("queue", e.queue);
            if (e.outcome != null) g.writeStringField("outcome", e.outcome.json());
            if (e.mangled) g.writeBooleanField("mangled", true);
            if (e.text != null) g.writeStringField("text", e.text);
            if (e.bytes >= 0) g.writeNumberField("bytes", e.bytes);
            if (e.qp >= 0) g.writeNumberField("qp", e.qp);
            if (e.uid >= 0) g.writeNumberField("uid", e.uid);
            if (e.localUsed >= 0) {
                g.writeNumberField("local_used", e.localUsed);
                g.writeNumberField("local_max", e.localMax);
                g.writeNumberField("remote_used", e.remoteUsed);
                g.writeNumberField("remote_max", e.remoteMax);
                g.writeBooleanField("exitasap", e.exitasap);
            }
            if (e.pid >= 0) g.writeNumberField("pid", e.pid);
            if (e.count >= 0) g.writeNumberField("count", e.count);
            if (e.limit >= 0) g.writeNumberField("limit", e.limit);
            if (e.program != null) g.writeStringField("program", e.program);
            if (e.startNanos >= 0) time(g, "start", e.startNanos);
            if (e.linkKind != null) {
                g.writeStringField("link_kind", e.linkKind.json());
                g.writeNumberField("link_msg_id", e.linkMsgId);
                time(g, "link_new", e.linkBirthNanos);
                if (e.linkRecipient != null) g.writeStringField("link_recipient", e.linkRecipient);
            }
        });
    }
}
