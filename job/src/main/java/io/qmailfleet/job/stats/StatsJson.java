package io.qmailfleet.job.stats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.qmailfleet.job.model.ReasonCount;
import io.qmailfleet.job.model.StatsRecord;
import io.qmailfleet.job.sink.JsonLines;
import io.qmailfleet.job.sink.JsonText;
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

    /** A window's start or end (epoch millis) as {@link #iso} writes it, straight into {@code g}. */
    private static void windowTime(JsonText g, String name, long millis) {
        if (millis == Long.MAX_VALUE) g.nullField(name);
        else if (millis >= -(Long.MAX_VALUE / 1_000_000L) && millis <= Long.MAX_VALUE / 1_000_000L) g.timeField(name, millis * 1_000_000L);
        else g.stringField(name, iso(millis));
    }

    private static String iso(long millis) {
        if (millis == Long.MAX_VALUE) return null;
        // as Instant.ofEpochMilli(millis).toString() writes it
        return millis >= 0 && millis <= Long.MAX_VALUE / 1_000_000L ? JsonText.isoString(millis * 1_000_000L)
                : Instant.ofEpochMilli(millis).toString();
    }

    private static void optString(JsonText g, String name, String v) {
        if (v == null) g.nullField(name);
        else g.stringField(name, v);
    }

    /** The record's JSON, the same text Jackson's generator writes (JsonTextTest checks the writer against it). */
    public static String record(StatsRecord r) {
        return JsonLines.text(StatsJson::record, r);
    }

    /** The record's JSON object into {@code g}. */
    public static void record(JsonText g, StatsRecord r) {
        g.startObject();
        g.plainField("record", "stats");
        optString(g, "dimension", r.dimension);
        optString(g, "key", r.key);
        optString(g, "channel", r.channel);
        windowTime(g, "window_start", r.windowStart);
        windowTime(g, "window_end", r.windowEnd);
        g.arrayField("hosts");
        for (String h : r.hosts) {
            if (h == null) throw new IllegalArgumentException("a stats record with a null host");
            g.stringElement(h);
        }
        g.endArray();
        g.numberField("revision", r.revision);
        g.numberField("messages", r.messages);
        g.numberField("bytes", r.bytes);
        g.numberField("success_bytes", r.successBytes);
        g.numberField("recipient_bytes", r.recipientBytes);
        g.numberField("recipients", r.recipients);
        g.numberField("attempts", r.attempts);
        g.micros6Field("xdelay", r.xdelay);
        g.micros6Field("qtime", r.qtime);
        g.micros6Field("ddelay", r.ddelay);
        g.numberField("accepted", r.accepted);
        g.numberField("accepted_bytes", r.acceptedBytes);
        g.numberField("successes", r.successes);
        g.numberField("deferrals", r.deferrals);
        g.numberField("failures", r.failures);
        g.numberField("interrupted", r.interrupted);
        g.numberField("bounces", r.bounces);
        g.numberField("double_bounces", r.doubleBounces);
        g.numberField("triple_bounces", r.tripleBounces);
        g.optTimeField("first", r.firstNanos);
        g.optTimeField("last", r.lastNanos);
        quantiles(g, "ddelay_quantiles", r.ddelayCount, r.ddelaySketch != null, r.ddelayP50, r.ddelayP90, r.ddelayP99, r.ddelayMax);
        quantiles(g, "qtime_quantiles", r.qtimeCount, r.qtimeSketch != null, r.qtimeP50, r.qtimeP90, r.qtimeP99, r.qtimeMax);
        reasons(g, "deferral_reasons", r.deferralReasons);
        g.numberField("other_deferrals", r.otherDeferrals);
        reasons(g, "failure_reasons", r.failureReasons);
        g.numberField("other_failures", r.otherFailures);
        g.endObject();
    }

    private static void quantiles(JsonText g, String name, long count, boolean sketched,
                                  double p50, double p90, double p99, double max) {
        g.objectField(name);
        g.numberField("count", count);
        if (sketched) {
            g.micros6Field("p50", p50);
            g.micros6Field("p90", p90);
            g.micros6Field("p99", p99);
        } else {
            g.nullField("p50");
            g.nullField("p90");
            g.nullField("p99");
        }
        if (count > 0) g.micros6Field("max", max);
        else g.nullField("max");
        g.endObject();
    }

    private static void reasons(JsonText g, String name, List<ReasonCount> list) {
        g.arrayField(name);
        for (ReasonCount c : list) {
            g.startObject();
            optString(g, "category", c.category);
            optString(g, "code", c.code);
            optString(g, "enhanced", c.enhanced);
            g.numberField("count", c.count);
            g.micros6Field("xdelay", c.xdelay);
            optString(g, "example", c.example);
            g.endObject();
        }
        g.endArray();
    }
}
