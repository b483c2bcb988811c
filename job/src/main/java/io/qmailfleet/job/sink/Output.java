package io.qmailfleet.job.sink;

import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.options.JobOption;
import org.apache.flink.util.function.SerializableFunction;

/**
 * One named output of the job: its record type, the JSON schema its records follow, how a record
 * becomes a JSON line and which host it belongs to (the Kafka key). The name is the folder under
 * {@code --output} and the suffix of the Kafka topic. Every output is listed in {@link Outputs#ALL}.
 */
public final class Output<T> {
    private final String name;
    private final Class<T> type;
    private final String schema;
    private final String description;
    private final JsonEncoder<T> encoder;
    private final SerializableFunction<T, String> host;
    private final JobOption<Boolean> enabledBy;

    public Output(String name, Class<T> type, String schema, String description,
                  JsonEncoder<T> encoder, SerializableFunction<T, String> host, JobOption<Boolean> enabledBy) {
        this.name = name;
        this.type = type;
        this.schema = schema;
        this.description = description;
        this.encoder = encoder;
        this.host = host;
        this.enabledBy = enabledBy;
    }

    public Output(String name, Class<T> type, String schema, String description,
                  JsonEncoder<T> encoder, SerializableFunction<T, String> host) {
        this(name, type, schema, description, encoder, host, null);
    }

    /** The folder under {@code --output}, and the Kafka topic after the prefix. */
    public String name() {
        return name;
    }

    public Class<T> type() {
        return type;
    }

    /** The schema file under {@code schemas/} that every record follows. */
    public String schema() {
        return schema;
    }

    public String description() {
        return description;
    }

    /** Writes one record's JSON object (a line without its newline) into a {@link JsonText}. */
    public JsonEncoder<T> encoder() {
        return encoder;
    }

    /** Encodes one record as a JSON line (without the newline). */
    public SerializableFunction<T, String> json() {
        JsonEncoder<T> e = encoder;
        return v -> JsonLines.text(e, v);
    }

    /** The record's host: the Kafka key, so a host's records stay in order in one partition. */
    public SerializableFunction<T, String> host() {
        return host;
    }

    /** The Kafka topic of this output. */
    public String topic(String prefix) {
        return prefix + name;
    }

    /** False when an option turns this output off (e.g. {@code --events false}). */
    public boolean enabled(JobConfig cfg) {
        return enabledBy == null || cfg.get(enabledBy);
    }

    /** The name of the accumulator and metric that count this output's records. */
    public String counter() {
        return "out-" + name;
    }

    @Override
    public String toString() {
        return name;
    }
}
