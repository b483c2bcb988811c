package io.qmailfleet.job.model;

/**
 * A KLL quantile sketch in a stats record's state: the sketch's retained items and their weights,
 * plus the latest values not yet folded into it. Kept in this form because KLL's own byte form
 * needs datasketches-memory's foreign-memory access (an incubator module on Java 17); values are
 * folded in batches so that rebuilding the sketch from its items stays rare.
 */
public class SketchState {
    public double[] items;
    public long[] weights;
    public double[] pending;
    public int pendingCount;

    public SketchState() {}
}
