package io.qmailfleet.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.DeadLetter;
import io.qmailfleet.job.model.DeadLetterReason;
import io.qmailfleet.job.model.QmailEvent;
import io.qmailfleet.job.sink.Output;
import io.qmailfleet.job.sink.Outputs;
import io.qmailfleet.job.source.FileLines;
import io.qmailfleet.job.testutil.Capture;
import io.qmailfleet.job.testutil.CollectingSinks;
import io.qmailfleet.job.testutil.PipelineRunner;
import io.qmailfleet.job.trace.RelayFleetLogs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backfill of several hosts' multilog directories runs a host sequencer in each reader's task
 * ({@link JobConfig#sequencerInReader}, {@code --sequencer-per-reader}): which inputs get it, that
 * its records are those of the graph that shuffles every line by host, and that a line naming
 * another host than its file's is dead-lettered instead of being sequenced apart from its host's
 * other lines.
 */
class SequencerPerReaderTest {

    @RegisterExtension
    static final MiniClusterExtension MINI = PipelineRunner.miniCluster();

    /**
     * The relay fleet's three hosts ({@code mx1}, and {@code mbox1} and {@code mbox2} a day ahead),
     * each a multilog directory, and the capture as a fourth host, {@code mail}.
     */
    static Path fleet(Path dir) throws IOException {
        for (Map.Entry<String, List<String>> h : RelayFleetLogs.hosts().entrySet()) {
            Path d = Files.createDirectories(dir.resolve(h.getKey()));
            Files.write(d.resolve("current"), h.getValue());
        }
        return Capture.multilogAsHosts(dir, "mail");
    }

    private static JobConfig config(Path input, String... more) {
        List<String> args = new ArrayList<>(List.of("--input", input.toString(), "--fleet-map", RelayFleetLogs.FLEET_MAP,
                "--relay-settle", "1h", "--relay-buffer", "2h", "--stuck-after", "60s", "--events", "true",
                "--host-events", "true"));
        args.addAll(List.of(more));
        return JobConfig.from(CliArgs.parse(args.toArray(new String[0])));
    }

    /** A test's fleet is small: {@code --sequencer-per-reader true} asks for a sequencer per reader whatever the size. */
    private static JobConfig lanes(Path input, String... more) {
        List<String> args = new ArrayList<>(List.of("--sequencer-per-reader", "true"));
        args.addAll(List.of(more));
        return config(input, args.toArray(new String[0]));
    }

    @Test
    void severalHostsMultilogDirectoriesAreSequencedInTheirReaders(@TempDir Path dir) throws Exception {
        JobConfig lanes = lanes(fleet(dir.resolve("fleet")));
        assertTrue(lanes.sequencerInReader);
        assertTrue(lanes.readerHostsOnly());
        assertEquals(4, lanes.fileReaders);
        JobConfig off = config(dir.resolve("fleet"), "--sequencer-per-reader", "false");
        assertFalse(off.sequencerInReader);
        assertFalse(off.readerHostsOnly());
        assertEquals(4, off.fileReaders);
        // auto (the default): this fleet's few KB per reader do not pay for a sequencer in each
        assertFalse(config(dir.resolve("fleet")).sequencerInReader);

        // one host: one reader, which sequences whatever hosts its lines name
        JobConfig one = config(Capture.multilogAsHosts(dir.resolve("one"), "mail"));
        assertTrue(one.sequencerInReader);
        assertFalse(one.readerHostsOnly());

        // compressed multilog files are looked into
        Path gz = Files.createDirectories(dir.resolve("gz").resolve("mx9"));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz.resolve("@400000006b05f0841dc0999c.s.gz")))) {
            out.write(String.join("\n", RelayFleetLogs.hosts().get("mx1")).getBytes(StandardCharsets.US_ASCII));
        }
        Capture.multilogAsHosts(dir.resolve("gz"), "mail");
        assertTrue(lanes(dir.resolve("gz")).sequencerInReader);
    }

    /**
     * {@code auto}: a sequencer in each reader's task from {@link JobConfig#SEQUENCER_PER_READER_MIN_BYTES}
     * of input per reader (sparse files here: the decision reads their sizes and first lines only).
     */
    @Test
    void autoAsksForEnoughInputPerReader(@TempDir Path dir) throws Exception {
        String first = "@400000006b05f0841dc0999c status: local 0/10 remote 0/20\n";
        for (String host : new String[] {"mx1", "mx2"}) {
            Path f = Files.createDirectories(dir.resolve(host)).resolve("current");
            Files.writeString(f, first);
            try (var raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(JobConfig.SEQUENCER_PER_READER_MIN_BYTES);
            }
        }
        assertTrue(config(dir).sequencerInReader, "32 MB per reader");
        try (var raf = new java.io.RandomAccessFile(dir.resolve("mx2").resolve("current").toFile(), "rw")) {
            raf.setLength(JobConfig.SEQUENCER_PER_READER_MIN_BYTES - 2);
        }
        assertFalse(config(dir).sequencerInReader, "a byte short on average");
        assertTrue(config(dir, "--sequencer-per-reader", "true").sequencerInReader);
    }

    /** Syslog lines name their own hosts, which need not be their directory's: those lines cross the shuffle by host. */
    @Test
    void syslogDirectoriesAreSequencedBehindAShuffle(@TempDir Path dir) throws Exception {
        for (String host : new String[] {"mx1", "mx2"}) {
            Path d = Files.createDirectories(dir.resolve(host));
            Files.copy(Capture.syslogFile(), d.resolve("maillog"));
        }
        JobConfig cfg = lanes(dir);
        assertTrue(cfg.readerPerHost);
        assertFalse(cfg.sequencerInReader);
        assertFalse(cfg.readerHostsOnly());
        // so is a multilog fleet with one syslog file in it, and one whose first line is not a label
        Capture.multilogAsHosts(dir.resolve("mixed"), "mx1", "mx2");
        Files.copy(Capture.syslogFile(), dir.resolve("mixed").resolve("mx2").resolve("send").resolve("maillog"));
        assertFalse(lanes(dir.resolve("mixed")).sequencerInReader);
        Capture.multilogAsHosts(dir.resolve("grepped"), "mx1", "mx2");
        Files.writeString(dir.resolve("grepped").resolve("mx2").resolve("send").resolve("x"),
                "current:@400000006b05f0841dc0999c status: local 0/10 remote 0/20\n");
        assertFalse(lanes(dir.resolve("grepped")).sequencerInReader);
    }

    @Test
    void theFirstLineDecides(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("f");
        Files.writeString(f, "\n  \n@400000006b05f0841dc0999c status: local 0/10 remote 0/20\nNov 24 20:06:39 mail qmail: x\n");
        assertTrue(FileLines.multilogOnly(List.of(f)));
        Files.writeString(f, "@400000006b05f0841dc0999 status: local 0/10 remote 0/20\n");
        assertFalse(FileLines.multilogOnly(List.of(f)), "23 hex digits");
        Files.writeString(f, "@400000006b05f0841dc0999g status\n");
        assertFalse(FileLines.multilogOnly(List.of(f)), "not hex");
        Files.writeString(f, "");
        assertTrue(FileLines.multilogOnly(List.of(f)), "an empty file names no host");
        Files.writeString(f, "{\"host\":\"mx1\",\"message\":\"@400000006b05f0841dc0999c status\"}\n");
        assertFalse(FileLines.multilogOnly(List.of(f)), "an envelope names its host");
    }

    /**
     * Every output of the four hosts is the same with a sequencer in each reader's task and behind
     * a shuffle by host: life cycles, relay hops between the readers' tasks, aggregates, alerts.
     */
    @Test
    void theRecordsAreThoseOfTheShuffledGraph(@TempDir Path dir) throws Exception {
        Path in = fleet(dir);
        JobConfig lanes = lanes(in);
        assertTrue(lanes.sequencerInReader);
        CollectingSinks inReaders = PipelineRunner.runFiles(lanes, 2);
        CollectingSinks shuffled = PipelineRunner.runFiles(config(in, "--sequencer-per-reader", "false"), 2);
        for (Output<?> o : Outputs.ALL) {
            assertEquals(ObjectReuseTest.json(shuffled, o), ObjectReuseTest.json(inReaders, o), o.name());
        }
        int relayFleet = 0;
        for (List<String> lines : RelayFleetLogs.hosts().values()) {
            for (String l : lines) if (l.contains(" end msg ")) relayFleet++;
        }
        // each message's life cycle once, and again for each side of a link (relay_update)
        assertEquals(539 + relayFleet, inReaders.lifecycles().stream().filter(r -> !r.relayUpdate).count());
        // the fleet map links mx1's relays to mbox1 and back: hops between two readers' tasks
        assertTrue(inReaders.of(Outputs.HOPS).size() >= 4, "hops: " + inReaders.of(Outputs.HOPS).size());
        assertFalse(inReaders.pages().isEmpty(), "the stuck threshold paged");
        assertFalse(inReaders.stats(io.qmailfleet.job.stats.StatsOutputs.RECIPIENTS.name()).isEmpty());
        assertTrue(inReaders.deadLetters().isEmpty(), inReaders.deadLetters().toString());
    }

    /**
     * A syslog line naming {@code mbox1} inside {@code mx1}'s multilog file: {@code mbox1}'s own
     * lines are sequenced in another reader's task, so the line is dead-lettered with the reason,
     * and counted; every other line is parsed. With {@code --sequencer-per-reader false} it is
     * {@code mbox1}'s line like any other.
     */
    @Test
    void aLineOfAnotherHostIsDeadLettered(@TempDir Path dir) throws Exception {
        Path in = fleet(dir);
        Path mx1 = in.resolve("mx1").resolve("current");
        List<String> lines = new ArrayList<>(Files.readAllLines(mx1));
        String foreign = "Nov 24 20:14:12 mbox1 qmail: 1795551252.000001 status: local 0/10 remote 0/20";
        lines.add(3, foreign);
        Files.write(mx1, lines);
        long total = 0;
        for (Path f : FileLines.list(List.of(in.toString()))) total += Files.readAllLines(f).size();

        JobConfig lanes = lanes(in);
        assertTrue(lanes.readerHostsOnly());
        PipelineRunner.FilesRun run = PipelineRunner.filesRun(lanes, 2);
        List<DeadLetter> dead = run.sinks().deadLetters();
        assertEquals(1, dead.size(), dead.toString());
        DeadLetter d = dead.get(0);
        assertEquals(DeadLetterReason.FOREIGN_HOST, d.reason);
        assertEquals("mbox1", d.host);
        assertEquals(foreign, d.raw);
        assertEquals(4, d.position);
        assertTrue(d.detail.contains("host mbox1 in a file of host mx1"), d.detail);
        assertTrue(d.detail.contains("--sequencer-per-reader false"), d.detail);
        assertEquals(total, run.acc(io.qmailfleet.job.parse.ParseFunction.ACC_READ));
        assertEquals(total - 1, run.acc(io.qmailfleet.job.parse.ParseFunction.ACC_PARSED));
        assertEquals(1L, run.acc(io.qmailfleet.job.parse.ParseFunction.ACC_DEAD));

        PipelineRunner.FilesRun shuffled = PipelineRunner.filesRun(config(in, "--sequencer-per-reader", "false"), 2);
        assertTrue(shuffled.sinks().deadLetters().isEmpty(), shuffled.sinks().deadLetters().toString());
        assertEquals(total, shuffled.acc(io.qmailfleet.job.parse.ParseFunction.ACC_PARSED));
        boolean seen = false;
        for (QmailEvent e : shuffled.sinks().events()) {
            seen |= e.host.equals("mbox1") && e.origin.endsWith("/mx1/current") && e.position == 4;
        }
        assertTrue(seen, "the line is mbox1's event");
    }

    /**
     * A backfill with a sequencer in each reader's task that fails once, after a checkpoint, and
     * restarts from it: each reader's task gets its own operators' state back (their uids differ by
     * reader), and the committed files are those of a run without the failure.
     */
    @Test
    void aFailedBackfillResumesFromItsCheckpoint(@TempDir Path dir) throws Exception {
        Path in = Capture.multilogAsHosts(dir.resolve("in"), "mx1", "mx2");
        JobConfig cfg = lanes(in);
        assertTrue(cfg.sequencerInReader);
        FailOnce.reset();
        Path clean = dir.resolve("clean");
        runWithCheckpoints(cfg, clean, false);
        Path restored = dir.resolve("restored");
        runWithCheckpoints(cfg, restored, true);
        assertTrue(FailOnce.FAILED.get(), "the job failed once");
        assertTrue(FailOnce.CHECKPOINTS.get() > 0, "after a checkpoint");
        for (String output : List.of("lifecycles", "host-events", "events", "message-alerts", "senders", "recipients",
                "domains", "hosts")) {
            List<String> a = committed(clean.resolve(output));
            assertEquals(a, committed(restored.resolve(output)), output);
            if (!output.equals("message-alerts")) assertFalse(a.isEmpty(), output);
        }
        assertEquals(2 * 539, committed(restored.resolve("lifecycles")).size());
    }

    private static void runWithCheckpoints(JobConfig cfg, Path out, boolean fail) throws Exception {
        var env = PipelineRunner.env(2);
        var conf = new org.apache.flink.configuration.Configuration();
        conf.set(org.apache.flink.configuration.RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(org.apache.flink.configuration.RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        conf.set(org.apache.flink.configuration.RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                java.time.Duration.ofMillis(100));
        env.configure(conf);
        env.enableCheckpointing(100);
        List<Stage<?>> stages = new ArrayList<>(Stages.ALL);
        if (fail) stages.add(new FailOnce());
        FleetPipeline.build(FileLines.readers(env, cfg), cfg, new io.qmailfleet.job.sink.FileOutputs(out.toString()),
                stages, Outputs.ALL);
        env.execute("sequencer per reader, checkpoints");
    }

    /** The committed lines of an output folder (in-progress files left out), as JSON without arrival-order values, sorted. */
    private static List<String> committed(Path folder) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(folder)) return out;
        try (var files = Files.list(folder)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().startsWith(".")) continue;
                for (String line : Files.readAllLines(f)) {
                    var tree = JSON.readTree(line);
                    ObjectReuseTest.dropArrivalOrderValues(tree);
                    out.add(JSON.writeValueAsString(tree));
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * A stage of this test only: a map on the first reader's life cycles, in that reader's task,
     * that fails the job once, after a checkpoint has completed and a few more life cycles passed
     * (until the first checkpoint it waits 2 ms per life cycle, so that one completes mid-input).
     */
    static final class FailOnce implements Stage<Boolean> {
        static final java.util.concurrent.atomic.AtomicBoolean FAILED = new java.util.concurrent.atomic.AtomicBoolean();
        static final java.util.concurrent.atomic.AtomicInteger CHECKPOINTS = new java.util.concurrent.atomic.AtomicInteger();

        static void reset() {
            FAILED.set(false);
            CHECKPOINTS.set(0);
        }

        @Override
        public String name() {
            return "fail once";
        }

        @Override
        public io.qmailfleet.job.options.OptionGroup options() {
            return new io.qmailfleet.job.options.OptionGroup("fail once");
        }

        @Override
        public Boolean config(JobConfig cfg) {
            return Boolean.TRUE;
        }

        @Override
        public void attach(FleetPipeline.Streams streams, Boolean config) {
            assertEquals(2, streams.lanes());
            var first = streams.lifecyclesByLane().get(0);
            first.map(new Failer()).returns(io.qmailfleet.job.model.LifecycleRecordTypeInfo.INSTANCE)
                    .setParallelism(first.getParallelism()).uid("fail-once").name("fail once")
                    .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>())
                    .setParallelism(first.getParallelism());
        }
    }

    static final class Failer implements org.apache.flink.api.common.functions.MapFunction<io.qmailfleet.job.model.LifecycleRecord,
            io.qmailfleet.job.model.LifecycleRecord>, org.apache.flink.api.common.state.CheckpointListener {
        private static final long serialVersionUID = 1L;
        private int afterCheckpoint;

        @Override
        public io.qmailfleet.job.model.LifecycleRecord map(io.qmailfleet.job.model.LifecycleRecord r) throws Exception {
            if (!FailOnce.FAILED.get()) {
                if (FailOnce.CHECKPOINTS.get() == 0) Thread.sleep(2);
                else if (++afterCheckpoint > 20 && FailOnce.FAILED.compareAndSet(false, true)) {
                    throw new IllegalStateException("failure injected by the test");
                }
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            FailOnce.CHECKPOINTS.incrementAndGet();
        }
    }
}
