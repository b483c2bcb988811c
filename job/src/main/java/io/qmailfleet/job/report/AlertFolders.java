package io.qmailfleet.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmailfleet.job.sink.Outputs;
import java.util.List;

/**
 * Where the report finds alert records, and how it tells the two kinds apart: the one place that
 * knows the alert outputs' folder names. Each folder is read if it exists, and each record is
 * classified by its own shape, not by the folder it came from, so a folder rename changes only
 * {@link #FOLDERS}.
 */
final class AlertFolders {
    private AlertFolders() {}

    /** Output folders (and Kafka topic suffixes) that hold alert records, in reading order. */
    static final List<String> FOLDERS = List.of(Outputs.ALERTS.name(), Outputs.MESSAGE_ALERTS.name());

    /** A per-message alert ({@code schemas/message-alert.schema.json}): stuck messages, hung deliveries. */
    static boolean isMessageAlert(JsonNode r) {
        return "message_alert".equals(r.path("record").asText(null));
    }

    /** A paging event (PagerDuty Events v2 shape): {@code event_action} and a {@code payload}. */
    static boolean isPage(JsonNode r) {
        return r.hasNonNull("event_action") && r.path("payload").isObject();
    }
}
