package io.qmailfleet.job.sink;

/**
 * A JSON record (its UTF-8 bytes) with its Kafka key (the host, so each host's records stay in
 * order in one partition).
 */
public class KeyedJson {
    public String key;
    public byte[] json;

    public KeyedJson() {}

    public KeyedJson(String key, byte[] json) {
        this.key = key;
        this.json = json;
    }
}
