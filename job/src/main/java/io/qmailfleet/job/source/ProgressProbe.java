package io.qmailfleet.job.source;

import io.qmailfleet.job.model.RawLine;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Passes lines through and keeps what a progress report needs: the bytes read (characters plus
 * the line end) and each host's position (the event time of its newest line), as accumulators
 * that a running job's client can read.
 */
public final class ProgressProbe extends ProcessFunction<RawLine, RawLine> {
    private static final long serialVersionUID = 1L;

    public static final String ACC_BYTES = "progress-bytes";
    public static final String ACC_HOSTS = "progress-hosts";

    private transient LongCounter bytes;
    private transient HostPositions hosts;

    @Override
    public void open(OpenContext ctx) {
        bytes = new LongCounter();
        hosts = new HostPositions();
        getRuntimeContext().addAccumulator(ACC_BYTES, bytes);
        getRuntimeContext().addAccumulator(ACC_HOSTS, hosts);
    }

    @Override
    public void processElement(RawLine line, Context ctx, Collector<RawLine> out) {
        bytes.add(line.text == null ? 1 : line.text.length() + 1);
        Long ts = ctx.timestamp();
        if (ts != null) hosts.record(line.host == null ? "?" : line.host, ts);
        out.collect(line);
    }

    /** Host to the event time (epoch millis) of its newest line. */
    public static final class HostPositions implements Accumulator<TreeMap<String, Long>, TreeMap<String, Long>> {
        private static final long serialVersionUID = 1L;
        // read by the heartbeat thread that reports accumulators while the task thread writes it
        private final Map<String, Long> newest = new ConcurrentHashMap<>();

        void record(String host, long millis) {
            Long was = newest.get(host);
            if (was == null || millis > was) newest.put(host, millis);
        }

        @Override
        public void add(TreeMap<String, Long> value) {
            value.forEach(this::record);
        }

        @Override
        public TreeMap<String, Long> getLocalValue() {
            return new TreeMap<>(newest);
        }

        @Override
        public void resetLocal() {
            newest.clear();
        }

        @Override
        public void merge(Accumulator<TreeMap<String, Long>, TreeMap<String, Long>> other) {
            add(other.getLocalValue());
        }

        @Override
        public HostPositions clone() {
            HostPositions c = new HostPositions();
            c.newest.putAll(newest);
            return c;
        }
    }
}
