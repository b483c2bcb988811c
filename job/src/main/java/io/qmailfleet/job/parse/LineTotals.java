package io.qmailfleet.job.parse;

/**
 * Line counts of one parse subtask over the job's whole life (all attempts up to the last
 * checkpoint), kept in operator state so that they survive a restore. A Flink POJO.
 */
public class LineTotals {
    public long read;
    public long parsed;
    public long deadLettered;

    public LineTotals() {}

    public LineTotals(long read, long parsed, long deadLettered) {
        this.read = read;
        this.parsed = parsed;
        this.deadLettered = deadLettered;
    }
}
