package io.qmailfleet.job.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.sink.JsonLines;
import io.qmailfleet.job.testutil.Capture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The domain enums are written as the same lower-case strings as before they were enums: the
 * values are exactly those the JSON Schemas list, and JsonLines writes them as such.
 */
class DomainEnumsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> schemaEnum(String file, String property) throws Exception {
        JsonNode n = JSON.readTree(Capture.repo().resolve("schemas").resolve(file).toFile())
                .get("properties").get(property).get("enum");
        List<String> l = new ArrayList<>();
        n.forEach(v -> l.add(v.asText()));
        return l;
    }

    private static <E extends Enum<E>> List<String> json(E[] values, Function<E, String> f) {
        return Arrays.stream(values).map(f).toList();
    }

    @Test
    void enumValuesAreTheSchemasStrings() throws Exception {
        assertEquals(schemaEnum("lifecycle.schema.json", "status"), json(LifecycleStatus.values(), LifecycleStatus::json));
        assertEquals(schemaEnum("message-alert.schema.json", "kind"), json(AlertKind.values(), AlertKind::json));
        assertEquals(schemaEnum("event.schema.json", "link_kind"), json(LinkKind.values(), LinkKind::json));
        assertEquals(List.of("delivered", "bounced", "ended", "success", "deferral", "failure", "interrupted", "open"),
                json(Resolution.values(), Resolution::json));
        for (Outcome o : Outcome.values()) assertEquals(o.json(), Resolution.of(o).json());
    }

    @Test
    void jsonLinesWritesTheLowerCaseStrings() {
        LifecycleRecord r = new LifecycleRecord();
        r.host = "mx1";
        r.msgId = 5;
        r.status = LifecycleStatus.ABANDONED;
        assertTrue(JsonLines.lifecycle(r).contains("\"status\":\"abandoned\""), JsonLines.lifecycle(r));

        MessageAlert a = new MessageAlert();
        a.kind = AlertKind.STUCK_RESOLVED;
        a.host = "mx1";
        a.resolution = Resolution.DELIVERED;
        String s = JsonLines.alert(a);
        assertTrue(s.contains("\"kind\":\"stuck_resolved\"") && s.contains("\"resolution\":\"delivered\""), s);
        a.resolution = null;
        assertTrue(JsonLines.alert(a).contains("\"resolution\":null"));

        QmailEvent e = new QmailEvent("mx1", 1_795_551_251_000_000_000L, EventType.INFO_MSG);
        e.linkKind = LinkKind.FORWARD;
        e.linkMsgId = 4;
        assertTrue(JsonLines.event(e).contains("\"link_kind\":\"forward\""), JsonLines.event(e));
    }
}
