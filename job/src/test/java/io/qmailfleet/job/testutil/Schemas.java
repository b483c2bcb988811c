package io.qmailfleet.job.testutil;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.file.Path;
import java.util.Set;

/** The repository's JSON Schemas (schemas/), with their cross-file $refs resolved locally. */
public final class Schemas {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID_PREFIX = "https://qmailfleet.io/schemas/";

    private Schemas() {}

    public static JsonSchema load(String file) {
        Path dir = Capture.repo().resolve("schemas");
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                b -> b.schemaMappers(m -> m.mapPrefix(ID_PREFIX, dir.toUri().toString())));
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        return factory.getSchema(com.networknt.schema.SchemaLocation.of(ID_PREFIX + file), config);
    }

    /** Validation messages for one JSON text (empty when valid). */
    public static Set<ValidationMessage> validate(JsonSchema schema, String json) {
        try {
            JsonNode node = JSON.readTree(json);
            return schema.validate(node);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
