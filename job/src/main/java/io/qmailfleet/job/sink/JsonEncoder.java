package io.qmailfleet.job.sink;

import java.io.Serializable;

/**
 * Writes one record as one JSON object into a {@link JsonText}: the whole object, braces included.
 * The file sink writes it straight into its buffer of lines; {@link JsonLines#text} makes it a string.
 */
@FunctionalInterface
public interface JsonEncoder<T> extends Serializable {
    void write(JsonText g, T value);
}
