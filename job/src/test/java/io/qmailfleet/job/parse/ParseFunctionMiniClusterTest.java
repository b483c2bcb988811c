package io.qmailfleet.job.parse;

import io.qmailfleet.job.testutil.Capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.EventType;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import io.qmailfleet.job.testutil.CollectingSink;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ParseFunction on a Flink MiniCluster: events, dead letters and the line accumulators. */
class ParseFunctionMiniClusterTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @Test
    void parsesLinesAndSideOutputsDeadLettersWithoutGenericTypes() throws Exception {
        List<RawLine> lines = new ArrayList<>();
        List<RawLine> smtpd = Capture.smtpd("mail");
        lines.addAll(Capture.multilog("mail").subList(0, 200));
        lines.addAll(smtpd);
        lines.add(new RawLine("", "mail", "test", 1));
        lines.add(new RawLine("@400000006b05ee591fde16b4 info msg 12: bytes", "mail", "test", 2));
        lines.add(new RawLine("Nov 24 20:14:42 mail postfix/smtpd[12]: connect from x", null, "test", 3));
        lines.add(new RawLine("@400000006b05ee591fde16b4 new msg 5", null, "test", 4));
        lines.add(new RawLine("{\"host\":\"h1\",\"message\":\"1795550799.534679 end msg 5\"}", null, "test", 5));

        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(conf);
        env.setParallelism(2);
        assertTrue(env.getConfig().getSerializerConfig().hasGenericTypesDisabled());

        SingleOutputStreamOperator<QmailEvent> events = env.fromData(lines, TypeInformation.of(RawLine.class))
                .process(new ParseFunction(new ParserConfig())).name("parse");
        String run = "parse-test-" + java.util.UUID.randomUUID();
        events.sinkTo(new CollectingSink<>(run + "events"));
        events.getSideOutput(ParseFunction.DEAD_LETTERS).sinkTo(new CollectingSink<>(run + "dead"));
        JobExecutionResult result = env.execute("parse-test");

        List<QmailEvent> ev = CollectingSink.results(run + "events");
        List<DeadLetter> dead = CollectingSink.results(run + "dead");

        assertEquals(200 + smtpd.size() + 1, ev.size());
        assertEquals(4, dead.size());
        Map<DeadLetterReason, Integer> reasons = new EnumMap<>(DeadLetterReason.class);
        for (DeadLetter d : dead) reasons.merge(d.reason, 1, Integer::sum);
        assertEquals(Map.of(DeadLetterReason.EMPTY, 1, DeadLetterReason.TRUNCATED, 1, DeadLetterReason.UNRECOGNISED, 1,
                DeadLetterReason.NO_HOST, 1), reasons);
        assertEquals(21, ev.stream().filter(e -> e.type.name().startsWith("TCP_")).count());
        QmailEvent env5 = ev.stream().filter(e -> e.type == EventType.END_MSG && e.msgId == 5).findFirst().orElseThrow();
        assertEquals("h1", env5.host);

        long read = result.<Long>getAccumulatorResult(ParseFunction.ACC_READ);
        long parsed = result.<Long>getAccumulatorResult(ParseFunction.ACC_PARSED);
        long deadCount = result.<Long>getAccumulatorResult(ParseFunction.ACC_DEAD);
        assertEquals(lines.size(), read);
        assertEquals(ev.size(), parsed);
        assertEquals(dead.size(), deadCount);
        assertEquals(read, parsed + deadCount);
    }
}
