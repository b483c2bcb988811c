package io.qmailfleet.job.parse;

import io.qmailfleet.job.metrics.HostMetrics;
import io.qmailfleet.job.metrics.LogClockGauges;
import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.model.RawLine;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
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
 *
 * <p><b>Over the job's life.</b> The counts up to each checkpoint are kept in operator state
 * ({@link LineTotals}), so after a restore the accumulators and the gauges {@code linesReadTotal},
 * {@code linesParsedTotal}, {@code linesDeadLetteredTotal} continue from the restored checkpoint
 * instead of zero; the lines after that checkpoint are read again and counted once more by the new
 * attempt, so read = parsed + dead-lettered holds for the whole life of the job. The counters
 * {@code linesRead}, {@code linesParsed}, {@code linesDeadLettered} count the current attempt only.
 *
 * <p>With {@link ParserConfig#knownHosts}, a parsed line of another host is dead-lettered
 * ({@code UNKNOWN_HOST}) here, before any per-host state is opened for it. With
 * {@link #fileHostsOnly} (a reader whose task sequences its own hosts' lines, one of several), so
 * is a line that names a host other than its file's ({@code FOREIGN_HOST}): another reader's task
 * may sequence that host.
 */
public class ParseFunction extends ProcessFunction<RawLine, QmailEvent> implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    /** Side output of lines that could not be parsed. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    public static final String ACC_READ = "lines-read";
    public static final String ACC_PARSED = "lines-parsed";
    public static final String ACC_DEAD = "lines-dead-lettered";

    private final ParserConfig config;
    /** Dead-letter a parsed line whose host is not its file's ({@link RawLine#host}). */
    private final boolean fileHostsOnly;

    private transient QmailLineParser parser;
    private transient Counter linesRead;
    private transient Counter linesParsed;
    private transient Counter linesDeadLettered;
    private transient LongCounter accRead;
    private transient LongCounter accParsed;
    private transient LongCounter accDead;
    private transient HostMetrics perHost;
    private transient LogClockGauges logClocks;
    private transient Counter unknownHostLines;
    private transient Set<String> knownHosts;
    private transient ListState<LineTotals> totalsState;
    /** Counts up to the restored checkpoint (all subtasks' shares that came to this one). */
    private transient LineTotals restored;
    /** Counts of this attempt. */
    private transient long read;
    private transient long parsed;
    private transient long dead;

    public ParseFunction(ParserConfig config) {
        this(config, false);
    }

    /** @param fileHostsOnly whether a parsed line must be of its file's host ({@code FOREIGN_HOST} otherwise) */
    public ParseFunction(ParserConfig config, boolean fileHostsOnly) {
        this.config = config == null ? new ParserConfig() : config;
        this.fileHostsOnly = fileHostsOnly;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        parser = new QmailLineParser(config);
        knownHosts = config.knownHosts == null ? null : new HashSet<>(config.knownHosts);
        if (restored == null) restored = new LineTotals();
        MetricGroup g = getRuntimeContext().getMetricGroup();
        linesRead = g.counter("linesRead");
        linesParsed = g.counter("linesParsed");
        linesDeadLettered = g.counter("linesDeadLettered");
        unknownHostLines = g.counter("unknownHostLines");
        g.gauge("linesReadTotal", (Gauge<Long>) () -> restored.read + read);
        g.gauge("linesParsedTotal", (Gauge<Long>) () -> restored.parsed + parsed);
        g.gauge("linesDeadLetteredTotal", (Gauge<Long>) () -> restored.deadLettered + dead);
        accRead = new LongCounter(restored.read);
        accParsed = new LongCounter(restored.parsed);
        accDead = new LongCounter(restored.deadLettered);
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
        read++;
        ParseOutcome o = parser.parse(line);
        if (o.event != null && knownHosts != null && !knownHosts.contains(o.event.host)) {
            unknownHostLines.inc();
            DeadLetter d = DeadLetter.of("parse", DeadLetterReason.UNKNOWN_HOST,
                    "host " + o.event.host + " is not in --known-hosts", line.text, o.event.host,
                    line.origin, line.position);
            d.tsNanos = o.event.tsNanos;
            o = ParseOutcome.dead(d);
        } else if (o.event != null && fileHostsOnly && !o.event.host.equals(line.host)) {
            DeadLetter d = DeadLetter.of("parse", DeadLetterReason.FOREIGN_HOST, "a line of host " + o.event.host
                    + " in a file of host " + line.host + ": each reader sequences its files' host"
                    + " (--sequencer-per-reader false sequences lines by their own hosts)", line.text, o.event.host,
                    line.origin, line.position);
            d.tsNanos = o.event.tsNanos;
            o = ParseOutcome.dead(d);
        }
        if (o.event != null) {
            linesParsed.inc();
            accParsed.add(1L);
            perHost.counter(o.event.host, HostMetrics.LINES_READ).inc();
            logClocks.seen(o.event.host, o.event.tsNanos);
            parsed++;
            out.collect(o.event);
        } else {
            DeadLetter d = o.deadLetter;
            // lines of hosts outside --known-hosts share one series: no metric group per stray host
            String metricHost = d.reason == DeadLetterReason.UNKNOWN_HOST ? HostMetrics.UNKNOWN_HOST : d.host;
            perHost.counter(metricHost, HostMetrics.LINES_READ).inc();
            perHost.counter(metricHost, "reason", String.valueOf(d.reason), HostMetrics.LINES_DEAD_LETTERED).inc();
            linesDeadLettered.inc();
            accDead.add(1L);
            dead++;
            ctx.output(DEAD_LETTERS, o.deadLetter);
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        totalsState.update(List.of(new LineTotals(restored.read + read, restored.parsed + parsed,
                restored.deadLettered + dead)));
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        // split list state: on a change of parallelism each subtask gets some of the old shares,
        // and their sum over all subtasks stays the job's total
        totalsState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("line-totals", LineTotals.class));
        restored = new LineTotals();
        if (context.isRestored()) {
            for (LineTotals t : totalsState.get()) {
                restored.read += t.read;
                restored.parsed += t.parsed;
                restored.deadLettered += t.deadLettered;
            }
        }
    }
}
