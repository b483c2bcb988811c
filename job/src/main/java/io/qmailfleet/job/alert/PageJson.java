package io.qmailfleet.job.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmailfleet.job.sink.JsonLines;
import io.qmailfleet.job.sink.JsonText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * JSON of a {@link PageEvent} (schemas/page-event.schema.json): a PagerDuty Events v2 event
 * without {@code routing_key}. Also reads it back, for the forwarder.
 */
public final class PageJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private PageJson() {}

    public static ObjectNode tree(PageEvent p) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("event_action", p.eventAction);
        o.put("dedup_key", p.dedupKey);
        ObjectNode pl = o.putObject("payload");
        pl.put("summary", p.summary);
        pl.put("source", p.source);
        pl.put("severity", p.severity);
        pl.put("timestamp", JsonLines.iso(p.timestampNanos));
        pl.put("component", p.component);
        pl.put("group", p.group);
        pl.put("class", p.alertClass);
        ObjectNode d = pl.putObject("custom_details");
        d.put("host", p.host);
        if (p.domain != null) d.put("domain", p.domain);
        if (p.kind != null) d.put("kind", p.kind);
        if (p.count >= 0) d.put("count", p.count);
        if (p.threshold != null) d.put("threshold", p.threshold);
        d.put("first_seen", JsonLines.iso(p.firstSeenNanos));
        d.put("last_seen", JsonLines.iso(p.lastSeenNanos));
        ArrayNode ex = d.putArray("examples");
        for (String e : p.examples) ex.add(e);
        if (p.hosts != null && !p.hosts.isEmpty()) {
            ArrayNode hs = d.putArray("hosts");
            for (String h : p.hosts) hs.add(h);
        }
        if (p.detail != null) d.put("detail", p.detail);
        return o;
    }

    /** One JSON line into {@code g}. */
    public static void page(JsonText g, PageEvent p) {
        g.value(page(p));
    }

    /** One JSON line. */
    public static String page(PageEvent p) {
        try {
            return MAPPER.writeValueAsString(tree(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a line written by {@link #page}; throws IllegalArgumentException with the reason if it is not one. */
    public static JsonNode read(String line) {
        JsonNode n;
        try {
            n = MAPPER.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException("not a JSON object");
        String action = n.path("event_action").asText("");
        if (!action.equals(PageEvent.TRIGGER) && !action.equals(PageEvent.RESOLVE)) {
            throw new IllegalArgumentException("event_action must be trigger or resolve, not '" + action + "'");
        }
        if (n.path("dedup_key").asText("").isEmpty()) throw new IllegalArgumentException("dedup_key missing");
        JsonNode ts = n.path("payload").path("timestamp");
        if (!ts.isTextual()) throw new IllegalArgumentException("payload.timestamp missing");
        try {
            Instant.parse(ts.asText());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("payload.timestamp is not ISO 8601: " + ts.asText());
        }
        return n;
    }
}
