package io.qmailfleet.job.stats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.qmailfleet.job.model.ReasonCount;
import io.qmailfleet.job.model.StatsRecord;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/** JSON of a stats record (schemas/stats.schema.json) and its Kafka key. */
public final class StatsJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private StatsJson() {}

    /** The Kafka key: {@code ["<key>",<window start millis>]}, so a compacted topic keeps the latest record per window. */
    public static String key(StatsRecord r) {
        StringWriter w = new StringWriter(64);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartArray();
            g.writeString(r.key);
            g.writeNumber(r.windowStart);
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static String iso(long millis) {
        return millis == Long.MAX_VALUE ? null : Instant.ofEpochMilli(millis).toString();
    }

    private static String isoNanos(long nanos) {
        if (nanos < 0) return null;
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
    }

    private static void optString(JsonGenerator g, String name, String v) throws IOException {
        if (v == null) g.writeNullField(name);
        else g.writeStringField(name, v);
    }

    private static double round6(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    public static String record(StatsRecord r) {
        StringWriter w = new StringWriter(512);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("record", "stats");
            g.writeStringField("dimension", r.dimension);
            g.writeStringField("key", r.key);
            optString(g, "channel", r.channel);
            optString(g, "window_start", iso(r.windowStart));
            optString(g, "window_end", iso(r.windowEnd));
            g.writeArrayFieldStart("hosts");
            for (String h : r.hosts) g.writeString(h);
            g.writeEndArray();
            g.writeNumberField("revision", r.revision);
            g.writeNumberField("messages", r.messages);
            g.writeNumberField("bytes", r.bytes);
            g.writeNumberField("success_bytes", r.successBytes);
            g.writeNumberField("recipient_bytes", r.recipientBytes);
            g.writeNumberField("recipients", r.recipients);
            g.writeNumberField("attempts", r.attempts);
            g.writeNumberField("xdelay", round6(r.xdelay));
            g.writeNumberField("qtime", round6(r.qtime));
            g.writeNumberField("ddelay", round6(r.ddelay));
            g.writeNumberField("accepted", r.accepted);
            g.writeNumberField("accepted_bytes", r.acceptedBytes);
            g.writeNumberField("successes", r.successes);
            g.writeNumberField("deferrals", r.deferrals);
            g.writeNumberField("failures", r.failures);
            g.writeNumberField("interrupted", r.interrupted);
            g.writeNumberField("bounces", r.bounces);
            g.writeNumberField("double_bounces", r.doubleBounces);
            g.writeNumberField("triple_bounces", r.tripleBounces);
            optString(g, "first", isoNanos(r.firstNanos));
            optString(g, "last", isoNanos(r.lastNanos));
            quantiles(g, "ddelay_quantiles", r.ddelayCount, r.ddelaySketch != null, r.ddelayP50, r.ddelayP90, r.ddelayP99, r.ddelayMax);
            quantiles(g, "qtime_quantiles", r.qtimeCount, r.qtimeSketch != null, r.qtimeP50, r.qtimeP90, r.qtimeP99, r.qtimeMax);
            reasons(g, "deferral_reasons", r.deferralReasons);
            g.writeNumberField("other_deferrals", r.otherDeferrals);
            reasons(g, "failure_reasons", r.failureReasons);
            g.writeNumberField("other_failures", r.otherFailures);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void quantiles(JsonGenerator g, String name, long count, boolean sketched,
                                  double p50, double p90, double p99, double max) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeNumberField("count", count);
        if (sketched) {
            g.writeNumberField("p50", round6(p50));
            g.writeNumberField("p90", round6(p90));
            g.writeNumberField("p99", round6(p99));
        } else {
            g.writeNullField("p50");
            g.writeNullField("p90");
            g.writeNullField("p99");
        }
        if (count > 0) g.writeNumberField("max", round6(max));
        else g.writeNullField("max");
        g.writeEndObject();
    }

    private static void reasons(JsonGenerator g, String name, List<ReasonCount> list) throws IOException {
        g.writeArrayFieldStart(name);
        for (ReasonCount c : list) {
            g.writeStartObject();
            g.writeStringField("category", c.category);
            g.writeStringField("code", c.code);
            g.writeStringField("enhanced", c.enhanced);
            g.writeNumberField("count", c.count);
            g.writeNumberField("xdelay", round6(c.xdelay));
            g.writeStringField("example", c.example);
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
