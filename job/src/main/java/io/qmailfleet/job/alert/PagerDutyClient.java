package io.qmailfleet.job.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Sends pages to PagerDuty Events API v2 ({@code POST /v2/enqueue}): the page as it is, with
 * {@code routing_key} added in front. The routing key comes from an environment variable or a file
 * and is never printed.
 */
public final class PagerDutyClient {
    public static final String DEFAULT_URL = "https://events.pagerduty.com/v2/enqueue";
    public static final String DEFAULT_KEY_ENV = "PAGERDUTY_ROUTING_KEY";

    private final String url;
    private final String routingKey;
    private final HttpPoster poster;

    PagerDutyClient(String url, String routingKey, HttpPoster poster) {
        if (routingKey == null || routingKey.isBlank()) throw new IllegalArgumentException("PagerDuty routing key is empty");
        this.url = url;
        this.routingKey = routingKey.trim();
        this.poster = poster;
    }

    /** The routing key from {@code file} if given, else from the environment variable {@code env}. */
    static String routingKey(String file, String env) throws IOException {
        if (file != null) return Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
        String v = System.getenv(env);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("no PagerDuty routing key: set " + env + " or --pagerduty-routing-key-file");
        }
        return v.trim();
    }

    /** The request body: {@code routing_key} first, then the page's fields in their order. */
    String body(JsonNode page) {
        ObjectNode o = PageJson.MAPPER.createObjectNode();
        o.put("routing_key", routingKey);
        for (Iterator<Map.Entry<String, JsonNode>> it = page.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            o.set(e.getKey(), e.getValue());
        }
        return o.toString();
    }

    HttpPoster.Result send(JsonNode page) throws InterruptedException {
        return poster.post(url, body(page));
    }
}
