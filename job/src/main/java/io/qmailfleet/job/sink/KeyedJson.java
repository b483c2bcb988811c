package io.qmailfleet.job.sink;

/** A JSON record with its Kafka key (the host, so each host's records stay in order in one partition). */
public class KeyedJson {
    public String key;
    public String json;

    public KeyedJson() {}

    public KeyedJson(String key, String json) {
        this.key = key;
        this.json = json;
    }
}
