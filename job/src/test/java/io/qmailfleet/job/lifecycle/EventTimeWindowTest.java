package io.qmailfleet.job.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qmailfleet.job.FleetPipeline;
import io.qmailfleet.job.JobConfig;
import io.qmailfleet.job.model.LifecycleRecord;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.source.LineTimestamps;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSink;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An event-time window behind the life-cycle stage, on the real capture: one-minute tumbling
 * windows per host counting life cycles. Each life cycle must fall in the minute of its
 * {@code end msg} line (the ground truth's {@code end}), none may come late, and the windows must
 * close as the host's log time passes, not only when the input ends.
 */
class EventTimeWindowTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    private static final long MINUTE = 60_000L;

    /** Window result: life cycles of one host ending in one minute, and the watermark that closed it. */
    public static class WindowCount {
        public String host;
        public long start;
        public long count;
        public long closedByWatermark;

        public WindowCount() {}
    }

    static final class CountLifecycles extends ProcessWindowFunction<LifecycleRecord, WindowCount, String, TimeWindow> {
        private static final long serialVersionUID = 1L;

        @Override
        public void process(String host, Context ctx, Iterable<LifecycleRecord> records, Collector<WindowCount> out) {
            WindowCount c = new WindowCount();
            c.host = host;
            c.start = ctx.window().getStart();
            for (LifecycleRecord r : records) c.count++;
            c.closedByWatermark = ctx.currentWatermark();
            out.collect(c);
        }
    }

    /** Life cycles per minute of their end line, from the ground truth. */
    private static Map<Long, Long> truthPerMinute() throws Exception {
        JsonNode truth = new ObjectMapper().readTree(Capture.lifecyclesJson().toFile());
        Map<Long, Long> m = new TreeMap<>();
        for (JsonNode t : truth) {
            long endMillis = new BigDecimal(t.get("end").asText()).movePointRight(3).setScale(0, RoundingMode.FLOOR).longValue();
            m.merge(Math.floorDiv(endMillis, MINUTE) * MINUTE, 1L, Long::sum);
        }
        return m;
    }

    private record Run(List<WindowCount> windows, List<LifecycleRecord> late, long lastLineMillis) {}

    private static Run run(WatermarkStrategy<RawLine> watermarks) throws Exception {
        JobConfig cfg = new JobConfig();
        List<RawLine> lines = Capture.multilog("mail");
        StreamExecutionEnvironment env = PipelineRunner.env(2);
        DataStream<RawLine> in = env.fromData(lines, TypeInformation.of(RawLine.class)).setParallelism(1)
                .assignTimestampsAndWatermarks(watermarks).setParallelism(1);
        CollectingSinks sinks = new CollectingSinks();
        FleetPipeline.Streams s = FleetPipeline.build(in, cfg, sinks);

        OutputTag<LifecycleRecord> lateTag = new OutputTag<>("late-lifecycles", TypeInformation.of(LifecycleRecord.class));
        SingleOutputStreamOperator<WindowCount> perMinute = s.lifecycles
                .keyBy(r -> r.host)
                .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
                .sideOutputLateData(lateTag)
                .process(new CountLifecycles(), TypeInformation.of(WindowCount.class))
                .uid("test-window").name("life cycles per minute");
        String id = "window-" + UUID.randomUUID();
        perMinute.sinkTo(new CollectingSink<>(id + "-counts"));
        perMinute.getSideOutput(lateTag).sinkTo(new CollectingSink<>(id + "-late"));
        env.execute("event-time window behind the life-cycle stage");

        long last = lines.stream().mapToLong(l -> LineTimestamps.epochMillis(l.text)).max().orElseThrow();
        Run r = new Run(CollectingSink.results(id + "-counts"), CollectingSink.results(id + "-late"), last);
        CollectingSink.clear(id);
        assertEquals(539, sinks.lifecycles().size());
        sinks.clear();
        return r;
    }

    private static void assertCountsMatchTheTruth(Run r) throws Exception {
        assertEquals(List.of(), r.late(), "no life cycle is late for its window");
        Map<Long, Long> got = new TreeMap<>();
        for (WindowCount c : r.windows()) {
            assertEquals("mail", c.host);
            assertEquals(null, got.put(c.start, c.count), "one firing per window");
        }
        assertEquals(truthPerMinute(), got);
    }

    @Test
    void lifeCyclesLandInTheMinuteOfTheirEndLineAndWindowsCloseAsTheHostsTimePasses() throws Exception {
        Run r = run(PipelineRunner.perLineWatermarks(2000));
        assertCountsMatchTheTruth(r);
        for (WindowCount c : r.windows()) {
            long end = c.start + MINUTE;
            if (end + 2000 + 1 <= r.lastLineMillis()) {
                assertTrue(c.closedByWatermark < Long.MAX_VALUE,
                        "window at " + c.start + " closed by the host's time, not by the end of input");
                assertTrue(c.closedByWatermark >= end - 1);
            }
        }
        assertTrue(r.windows().stream().filter(c -> c.closedByWatermark < Long.MAX_VALUE).count() >= 5,
                "most windows close during the run");
    }

    @Test
    void withTheJobsOwnWatermarksTheCountsAreTheSame() throws Exception {
        assertCountsMatchTheTruth(run(FleetPipeline.watermarks(new JobConfig())));
    }
}
