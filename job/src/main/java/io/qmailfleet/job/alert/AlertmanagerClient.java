package io.qmailfleet.job.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sends pages to Prometheus Alertmanager (API v2, {@code POST /api/v2/alerts}). Labels come from the
 * dedup key's parts ({@code alertname} = the class, {@code host}, and {@code kind}, {@code channel} or
 * {@code domain}) plus {@code severity}; {@code startsAt} is the trigger's log time, {@code endsAt}
 * the resolve's. Alertmanager forgets an alert without {@code endsAt} after its
 * {@code resolve_timeout}, so the active ones are sent again by {@link #resendActive()}.
 */
public final class AlertmanagerClient {
    private final String alertsUrl;
    private final HttpPoster poster;
    /** Active alerts by dedup key, as last sent. */
    private final Map<String, ObjectNode> active = new LinkedHashMap<>();

    AlertmanagerClient(String baseUrl, HttpPoster poster) {
        String b = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.alertsUrl = b + "/api/v2/alerts";
        this.poster = poster;
    }

    /** The Alertmanager alert for a page; {@code endsAt} only on a resolve. */
    static ObjectNode alert(JsonNode page, String startsAt) {
        JsonNode pl = page.path("payload");
        String dk = page.path("dedup_key").asText();
        String[] parts = dk.split(":", 3);
        String cls = parts[0];
        ObjectNode a = PageJson.MAPPER.createObjectNode();
        ObjectNode labels = a.putObject("labels");
        labels.put("alertname", cls);
        if (parts.length > 1) labels.put("host", parts[1]);
        if (parts.length > 2) {
            String name = cls.equals("queue_saturated") ? "channel"
                    : cls.equals("stuck_messages") || cls.equals("hung_deliveries") ? "domain" : "kind";
            labels.put(name, parts[2]);
        }
        labels.put("severity", pl.path("severity").asText());
        ObjectNode ann = a.putObject("annotations");
        ann.put("summary", pl.path("summary").asText());
        JsonNode detail = pl.path("custom_details").path("detail");
        if (detail.isTextual()) ann.put("description", detail.asText());
        ann.put("dedup_key", dk);
        a.put("startsAt", startsAt);
        if (PageEvent.RESOLVE.equals(page.path("event_action").asText())) a.put("endsAt", pl.path("timestamp").asText());
        return a;
    }

    HttpPoster.Result send(JsonNode page) throws InterruptedException {
        return post(java.util.List.of(recall(page)));
    }

    /**
     * Takes a page into the active alerts without sending it (a page sent before, e.g. by the run
     * before a restart); returns the alert as {@link #send} would post it.
     */
    ObjectNode recall(JsonNode page) {
        String dk = page.path("dedup_key").asText();
        boolean resolve = PageEvent.RESOLVE.equals(page.path("event_action").asText());
        ObjectNode prev = active.get(dk);
        String startsAt = prev != null ? prev.path("startsAt").asText() : page.path("payload").path("timestamp").asText();
        ObjectNode a = alert(page, startsAt);
        if (resolve) active.remove(dk);
        else active.put(dk, a);
        return a;
    }

    /** Sends every active alert again (Alertmanager expects this while they last). */
    HttpPoster.Result resendActive() throws InterruptedException {
        if (active.isEmpty()) return null;
        return post(active.values());
    }

    int activeCount() {
        return active.size();
    }

    private HttpPoster.Result post(Collection<ObjectNode> alerts) throws InterruptedException {
        ArrayNode arr = PageJson.MAPPER.createArrayNode();
        arr.addAll(alerts);
        return poster.post(alertsUrl, arr.toString());
    }
}
