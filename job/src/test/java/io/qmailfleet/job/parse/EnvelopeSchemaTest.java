package io.qmailfleet.job.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.Schemas;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The documented input envelope (schemas/input-envelope.schema.json) and the parser agree. */
class EnvelopeSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyDocumentedExampleIsValidAndParses() throws Exception {
        JsonNode schemaDoc = JSON.readTree(Capture.repo().resolve("schemas/input-envelope.schema.json").toFile());
        JsonSchema schema = Schemas.load("input-envelope.schema.json");
        QmailLineParser parser = new QmailLineParser(new ParserConfig());
        int n = 0;
        for (JsonNode example : schemaDoc.get("examples")) {
            String text = JSON.writeValueAsString(example);
            assertEquals(Set.of(), Schemas.validate(schema, text), text);
            ParseOutcome o = parser.parse(new RawLine(text, null, "kafka:qmail.lines/0", n));
            assertTrue(o.ok(), () -> text + " -> " + o.deadLetter);
            assertEquals(EventType.NEW_MSG, o.event.type);
            assertFalse(o.event.host == null || o.event.host.isEmpty());
            n++;
        }
        assertTrue(n >= 2);
    }

    @Test
    void anEnvelopeWithoutLineTextIsInvalidAndDeadLettered() {
        String text = "{\"host\":\"mx1\",\"timestamp\":\"2026-11-24T20:14:11Z\"}";
        assertFalse(Schemas.validate(Schemas.load("input-envelope.schema.json"), text).isEmpty());
        ParseOutcome o = new QmailLineParser(new ParserConfig()).parse(new RawLine(text, null, "kafka:x/0", 1));
        assertEquals(DeadLetterReason.BAD_ENVELOPE, o.deadLetter.reason);
    }
}
