package io.qmailfleet.job.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.Schemas;
import java.nio.file.Files;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

/** The page JSON against its schema, its round trip through the forwarder's reader, and the POJO types. */
class PageJsonTest {
    static PageEvent sample(String action) {
        PageEvent p = new PageEvent();
        p.eventAction = action;
        p.dedupKey = "stuck_messages:mx1:down.example";
        p.summary = "mx1: 3 messages stuck in the queue for down.example";
        p.source = "mx1";
        p.severity = "error";
        p.timestampNanos = 1795551611000000000L;
        p.component = "qmail-send";
        p.group = "mx1";
        p.alertClass = "stuck_messages";
        p.host = "mx1";
        p.domain = "down.example";
        p.count = 3;
        p.threshold = "queued longer than PT5M";
        p.firstSeenNanos = 1795551551000000000L;
        p.lastSeenNanos = 1795551611000000000L;
        p.examples.add("msg 1000 from <alice@example.com> queued since 2026-11-24T20:14:11Z");
        p.detail = "3 still open of 3 seen since 2026-11-24T20:19:11Z";
        return p;
    }

    @Test
    void pagesAndTheSchemaExamplesValidate() throws Exception {
        JsonSchema schema = Schemas.load("page-event.schema.json");
        for (String a : List.of(PageEvent.TRIGGER, PageEvent.RESOLVE)) {
            String json = PageJson.page(sample(a));
            assertEquals(java.util.Set.of(), Schemas.validate(schema, json), json);
            JsonNode back = PageJson.read(json);
            assertEquals(a, back.path("event_action").asText());
            assertEquals("2026-11-24T20:20:11Z", back.path("payload").path("timestamp").asText());
        }
        JsonNode doc = new ObjectMapper().readTree(Files.readString(Capture.repo().resolve("schemas/page-event.schema.json")));
        for (JsonNode ex : doc.path("examples")) {
            assertEquals(java.util.Set.of(), Schemas.validate(schema, ex.toString()), ex.toString());
            assertNotNull(PageJson.read(ex.toString()));
        }
    }

    @Test
    void theSummaryIsCutAt1024Characters() {
        AlertKey k = new AlertKey();
        k.alertClass = "qmail_alert";
        k.host = "mx1";
        k.kind = "x".repeat(2000);
        String s = AlertEngine.summary(k, PageEvent.TRIGGER, 1);
        assertEquals(1024, s.length());
        assertTrue(s.endsWith("..."));
    }

    @Test
    void aLineThatIsNotAPageIsRefusedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PageJson.read("{\"event_action\":\"ack\"}"))
                .getMessage().contains("trigger or resolve"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PageJson.read("nope")).getMessage().startsWith("not JSON"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PageJson.read("{\"event_action\":\"trigger\",\"dedup_key\":\"k\",\"payload\":{\"timestamp\":\"yesterday\"}}"))
                .getMessage().contains("ISO 8601"));
    }

    @Test
    void stateAndStreamTypesArePojos() {
        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        noKryo.setGenericTypes(false);
        for (Class<?> c : List.of(PageEvent.class, AlertKey.class, HostAlertState.class)) {
            TypeInformation<?> info = TypeInformation.of(c);
            assertInstanceOf(PojoTypeInfo.class, info, c.getName());
            assertNotNull(info.createSerializer(noKryo), c.getName());
        }
        // the rate rules' input names its own hand-written serializer (RateSampleTest)
        assertInstanceOf(RateSampleTypeInfo.class, TypeInformation.of(RateSample.class));
    }
}
