package io.qmailfleet.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmailfleet.job.parse.ParseFunction;
import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.stats.FleetRollup;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobExecutionResult;

/** What a finished run printed and wrote to {@code summary.json}: its counters, which add up. */
final class RunSummary {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunSummary() {}

    static long acc(JobExecutionResult r, String name) {
        Object v = r.getAllAccumulatorResults().get(name);
        return v instanceof Number ? ((Number) v).longValue() : 0L;
    }

    static String text(JobConfig cfg, JobExecutionResult r) {
        long read = acc(r, ParseFunction.ACC_READ);
        long parsed = acc(r, ParseFunction.ACC_PARSED);
        long dead = acc(r, ParseFunction.ACC_DEAD);
        long later = acc(r, FleetPipeline.ACC_SEQUENCER_DEAD);
        StringBuilder b = new StringBuilder();
        b.append(String.format("lines read %d = parsed %d + dead-lettered %d%n", read, parsed, dead));
        b.append(String.format("dead letters %d = %d at parsing + %d after parsing (host sequencer: e.g. UNMATCHED_DELIVERY)%n",
                dead + later, dead, later));
        for (Output<?> out : Outputs.ALL) {
            if (!out.enabled(cfg)) continue;
            String where = cfg.sink.equals("kafka") ? "topic " + out.topic(cfg.topicPrefix) : Path.of(cfg.output, out.name()).toString();
            b.append(String.format("  %-13s %8d records -> %s%n", out.name(), acc(r, out.counter()), where));
        }
        long afterDrop = acc(r, FleetRollup.ACC_PARTS_AFTER_DROP);
        if (afterDrop > 0) {
            b.append(String.format("stats: %d part(s) of windows came after the fleet roll-up had let their window go by log time"
                    + " and were written on their own (revision 1): a host's clock stepped back, or a file or partition held"
                    + " one host after another (--stats-rollup-bound processing-time keeps windows by processing time)%n", afterDrop));
        }
        b.append(String.format("job time %d ms", r.getNetRuntime()));
        return b.toString();
    }

    static String json(JobExecutionResult r) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        for (Map.Entry<String, Object> e : new TreeMap<>(r.getAllAccumulatorResults()).entrySet()) {
            if (e.getValue() instanceof Number) root.put(e.getKey(), ((Number) e.getValue()).longValue());
            if (e.getValue() instanceof java.util.Collection) {
                // e.g. alerts-open: the dedup keys of pages still firing at the end of a bounded input
                var arr = root.putArray(e.getKey());
                for (Object o : new java.util.TreeSet<>(((java.util.Collection<?>) e.getValue()).stream()
                        .map(String::valueOf).toList())) arr.add(String.valueOf(o));
            }
        }
        long dead = acc(r, ParseFunction.ACC_DEAD);
        long later = acc(r, FleetPipeline.ACC_SEQUENCER_DEAD);
        ObjectNode stages = root.putObject("dead_letters");
        stages.put("parse", dead);
        stages.put("host_sequencer", later);
        stages.put("total", dead + later);
        root.put("job_time_ms", r.getNetRuntime());
        return JSON.writeValueAsString(root) + "\n";
    }
}
