package io.qmailfleet.job.parse;

import io.qmailfleet.job.metrics.HostMetrics;
import io.qmailfleet.job.metrics.LogClockGauges;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The parse stage: each {@link RawLine} becomes a {@link QmailEvent} on the main output or a
 * {@link DeadLetter} on the {@link #DEAD_LETTERS} side output, never both and never neither.
 *
 * <p>Counts lines as metrics ({@code linesRead}, {@code linesParsed}, {@code linesDeadLettered})
 * and as accumulators ({@value #ACC_READ}, {@value #ACC_PARSED}, {@value #ACC_DEAD}) so that a
 * bounded run can check read = parsed + dead-lettered from its {@code JobExecutionResult}; and per
 * host ({@link HostMetrics}): lines read, lines dead-lettered per reason, and the host's log clock
 * and lag ({@link LogClockGauges}).
 */
public class ParseFunction extends ProcessFunction<RawLine, QmailEvent> {
    private static final long serialVersionUID = 1L;

    /** Side output of lines that could not be parsed. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    public static final String ACC_READ = "lines-read";
    public static final String ACC_PARSED = "lines-parsed";
    public static final String ACC_DEAD = "lines-dead-lettered";

    private final ParserConfig config;

    private transient QmailLineParser parser;
    private transient Counter linesRead;
    private transient Counter linesParsed;
    private transient Counter linesDeadLettered;
    private transient LongCounter accRead;
    private transient LongCounter accParsed;
    private transient LongCounter accDead;
    private transient HostMetrics perHost;
    private transient LogClockGauges logClocks;

    public ParseFunction(ParserConfig config) {
        this.config = config == null ? new ParserConfig() : config;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        parser = new QmailLineParser(config);
        MetricGroup g = getRuntimeContext().getMetricGroup();
        linesRead = g.counter("linesRead");
        linesParsed = g.counter("linesParsed");
        linesDeadLettered = g.counter("linesDeadLettered");
        accRead = new LongCounter();
        accParsed = new LongCounter();
        accDead = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_READ, accRead);
        getRuntimeContext().addAccumulator(ACC_PARSED, accParsed);
        getRuntimeContext().addAccumulator(ACC_DEAD, accDead);
        perHost = new HostMetrics(g);
        logClocks = new LogClockGauges(perHost);
    }

    @Override
    public void processElement(RawLine line, Context ctx, Collector<QmailEvent> out) {
        linesRead.inc();
        accRead.add(1L);
        ParseOutcome o = parser.parse(line);
        if (o.event != null) {
            linesParsed.inc();
            accParsed.add(1L);
            perHost.counter(o.event.host, HostMetrics.LINES_READ).inc();
            logClocks.seen(o.event.host, o.event.tsNanos);
            out.collect(o.event);
        } else {
            DeadLetter d = o.deadLetter;
            perHost.counter(d.host, HostMetrics.LINES_READ).inc();
            perHost.counter(d.host, "reason", String.valueOf(d.reason), HostMetrics.LINES_DEAD_LETTERED).inc();
            linesDeadLettered.inc();
            accDead.add(1L);
            ctx.output(DEAD_LETTERS, o.deadLetter);
        }
    }
}
