package io.qmailfleet.job;

import io.qmailfleet.job.alert.AlertConfig;
import io.qmailfleet.job.lifecycle.LifecycleConfig;
import io.qmailfleet.job.parse.ParserConfig;
import java.io.Serializable;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Everything the job is told on its command line; see {@link #USAGE}. */
public final class JobConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String DEFAULT_SAMPLE = "samples/fleet";
    public static final String DEFAULT_OUTPUT = "out";
    /**
     * Checkpoint interval of a live (unbounded Kafka) run: exactly-once output, alerts included,
     * becomes visible only when a checkpoint completes, so this is what an alert waits at most
     * before it can page anyone. Each checkpoint costs a state snapshot and one Kafka transaction
     * commit per sink subtask (see the README).
     */
    public static final String DEFAULT_LIVE_CHECKPOINT_INTERVAL = "10s";

    public static final String USAGE = String.join("\n",
            "qmail fleet analytics: rebuilds qmail message life cycles from qmail-send logs.",
            "",
            "Input (files; default: " + DEFAULT_SAMPLE + ", the bundled sample capture):",
            "  --input PATH[,PATH...]     log files or directories (repeatable). multilog dirs: @*.s/@*.u in name",
            "                             order, then current; logrotate files oldest first; .gz/.bz2/.xz read as is",
            "  --host NAME                host of lines that do not name one (multilog). Default: the first directory",
            "                             level under an input directory, else the directory holding the file",
            "  --known-hosts H[,H...]     accept lines of these hosts only; others are dead-lettered UNKNOWN_HOST",
            "                             (default: every host)",
            "Kafka (live):",
            "  --kafka-bootstrap SERVERS  read lines from Kafka instead of files (unless --input is given)",
            "  --input-topic TOPIC        (default qmail.lines); record key or header 'host' = host",
            "  --group-id ID              (default qmail-fleet)",
            "  --starting-offsets committed|earliest|latest   (default committed, else earliest)",
            "  --bounded true             stop at the offsets that were latest at start (backfill from Kafka)",
            "  --sink files|kafka         (default kafka with --kafka-bootstrap, else files)",
            "  --topic-prefix P           output topics P+lifecycles, alerts, dead-letters, events, late (default qmail.)",
            "  --exactly-once true        transactional Kafka output (visible at checkpoints)",
            "  --kafka-max-record-bytes N larger output records become RECORD_TOO_LARGE dead letters instead of",
            "                             failing the sink (default 1048576; >= 65536; <= the topics' max.message.bytes)",
            "Output:",
            "  --output DIR               JSON-lines folders events/ dead-letters/ lifecycles/ alerts/ late/ pages/ and",
            "                             summary.json (default: " + DEFAULT_OUTPUT + "; those folders are replaced)",
            "  --events true|false        write every parsed line to events/ (default true)",
            "Time and timeouts (host log time, not wall clock):",
            "  --max-out-of-order DUR     reorder bound per host; later lines go to late/ (default 2s)",
            "  --stuck-after DUR          a message still queued after this raises stuck_message (default 1h)",
            "  --hung-after DUR           a delivery without result after this raises hung_delivery (default 30m)",
            "  --max-open-age DUR         a message open longer is written as abandoned and dropped (default 8d)",
            "  --host-idle-ttl DUR        processing time after which a silent host's state is dropped (default 30d)",
            "  --idle-timeout DUR         source split idleness for watermarks (default 30s)",
            "Paging alerts (pages/; host log time unless noted):",
            "  --silent-after DUR         a host without a qmail-send line this long pages host_silent (default 30m;",
            "                             live Kafka input: wall-clock watchdog per host)",
            "  --alert-resolve-after DUR  a condition clear this long resolves its alert (default 1m)",
            "  --warning-quiet DUR        a warning kind not repeated this long is over (default 15m)",
            "  --saturation-for DUR       a channel at its concurrency limit this long pages (default 10m)",
            "  --saturation-clear R       saturation ends below this fraction of the limit (default 0.8)",
            "  --max-triggers-per-hour N  per dedup key (default 3)",
            "  --stuck-min-count N        stuck/hung messages of one host and domain that page (default 1)",
            "  --domain-window DUR  --domain-min-attempts N  --domain-min-recipients N  --domain-ratio R",
            "  --domain-clear-ratio R     fleet-wide domain trouble (defaults 15m, 20, 3, 0.5, 0.2)",
            "  --sender-floor N  --sender-factor F   sender spike per stats window (defaults 200, 10)",
            "Parsing:",
            "  --zone ZONE                zone of tai64nlocal and RFC 3164 syslog dates (default UTC)",
            "  --max-line-chars N         longer lines are dead-lettered (default 65536)",
            "Runtime:",
            "  --parallelism N            default parallelism (the file reader always runs with 1)",
            "  --checkpoint-interval DUR  (default 2s for bounded input, 10s for live Kafka input: the latency of",
            "                             exactly-once output, so of alerts too)",
            "  --state-backend hashmap|rocksdb   (default hashmap)",
            "  --help",
            "Durations: 500ms, 2s, 30m, 1h, 8d or ISO-8601 (PT1H).");

    private static final Set<String> KNOWN = Set.of("input", "host", "output", "events", "max-out-of-order",
            "stuck-after", "hung-after", "max-open-age", "host-idle-ttl", "idle-timeout", "zone",
            "max-line-chars", "parallelism", "checkpoint-interval", "state-backend", "help",
            "kafka-bootstrap", "input-topic", "group-id", "starting-offsets", "bounded", "sink", "topic-prefix",
            "exactly-once", "kafka-max-record-bytes", "known-hosts",
            "silent-after", "alert-resolve-after", "warning-quiet", "saturation-for",
            "saturation-clear", "max-triggers-per-hour", "stuck-min-count", "domain-window", "domain-min-attempts",
            "domain-min-recipients", "domain-ratio", "domain-clear-ratio", "sender-floor", "sender-factor");

    public List<String> inputs = new ArrayList<>();
    public String host;
    public String output = DEFAULT_OUTPUT;
    public boolean writeEvents = true;
    public int parallelism = -1;
    public Duration checkpointInterval = Duration.ofSeconds(2);
    public String stateBackend = "hashmap";
    public Duration idleTimeout = Duration.ofSeconds(30);
    public String kafkaBootstrap;
    public String inputTopic = "qmail.lines";
    public String groupId = "qmail-fleet";
    public String startingOffsets = "committed";
    public boolean bounded;
    public String sink = "files";
    public String topicPrefix = "qmail.";
    public boolean exactlyOnce;
    public int kafkaMaxRecordBytes = 1048576;
    public ParserConfig parser = new ParserConfig();
    public LifecycleConfig lifecycle = new LifecycleConfig();
    public AlertConfig alert = new AlertConfig();

    /** True when lines come from Kafka (no --input files). */
    public boolean readsKafka() {
        return inputs.isEmpty();
    }

    public static JobConfig from(CliArgs a) {
        for (String name : a.names()) {
            if (!KNOWN.contains(name)) throw new IllegalArgumentException("unknown option --" + name + " (see --help)");
        }
        JobConfig c = new JobConfig();
        c.inputs = a.all("input");
        c.kafkaBootstrap = a.get("kafka-bootstrap", null);
        if (c.inputs.isEmpty() && c.kafkaBootstrap == null) c.inputs = List.of(DEFAULT_SAMPLE);
        c.inputTopic = a.get("input-topic", c.inputTopic);
        c.groupId = a.get("group-id", c.groupId);
        c.startingOffsets = a.get("starting-offsets", c.startingOffsets);
        if (!Set.of("committed", "earliest", "latest").contains(c.startingOffsets)) {
            throw new IllegalArgumentException("--starting-offsets must be committed, earliest or latest");
        }
        c.bounded = Boolean.parseBoolean(a.get("bounded", "false"));
        c.sink = a.get("sink", c.kafkaBootstrap != null ? "kafka" : "files");
        if (!c.sink.equals("files") && !c.sink.equals("kafka")) throw new IllegalArgumentException("--sink must be files or kafka");
        if (c.sink.equals("kafka") && c.kafkaBootstrap == null) throw new IllegalArgumentException("--sink kafka needs --kafka-bootstrap");
        c.topicPrefix = a.get("topic-prefix", c.topicPrefix);
        c.exactlyOnce = Boolean.parseBoolean(a.get("exactly-once", "false"));
        c.kafkaMaxRecordBytes = Integer.parseInt(a.get("kafka-max-record-bytes", Integer.toString(c.kafkaMaxRecordBytes)));
        // a dead letter (raw text cut to 2048 characters) must always fit
        if (c.kafkaMaxRecordBytes < 65536) throw new IllegalArgumentException("--kafka-max-record-bytes must be at least 65536");
        c.host = a.get("host", null);
        c.output = a.get("output", DEFAULT_OUTPUT);
        c.writeEvents = Boolean.parseBoolean(a.get("events", "true"));
        c.parallelism = Integer.parseInt(a.get("parallelism", "-1"));
        boolean unbounded = c.inputs.isEmpty() && !c.bounded;
        c.checkpointInterval = Durations.parse(a.get("checkpoint-interval", unbounded ? DEFAULT_LIVE_CHECKPOINT_INTERVAL : "2s"));
        c.stateBackend = a.get("state-backend", "hashmap");
        if (!c.stateBackend.equals("hashmap") && !c.stateBackend.equals("rocksdb")) {
            throw new IllegalArgumentException("--state-backend must be hashmap or rocksdb, not " + c.stateBackend);
        }
        c.idleTimeout = Durations.parse(a.get("idle-timeout", "30s"));
        c.parser.zone = ZoneId.of(a.get("zone", "UTC")).getId();
        c.parser.maxLineChars = Integer.parseInt(a.get("max-line-chars", "65536"));
        if (a.has("known-hosts")) {
            c.parser.knownHosts = new ArrayList<>(a.all("known-hosts"));
            if (c.parser.knownHosts.isEmpty() || c.parser.knownHosts.stream().anyMatch(String::isBlank)) {
                throw new IllegalArgumentException("--known-hosts needs host names");
            }
        }
        c.lifecycle.parser = c.parser;
        if (a.has("max-out-of-order")) c.lifecycle.maxOutOfOrderNanos = Durations.parse(a.get("max-out-of-order", "2s")).toNanos();
        if (a.has("stuck-after")) c.lifecycle.stuckAfterNanos = Durations.parse(a.get("stuck-after", "1h")).toNanos();
        if (a.has("hung-after")) c.lifecycle.hungAfterNanos = Durations.parse(a.get("hung-after", "30m")).toNanos();
        if (a.has("max-open-age")) c.lifecycle.maxOpenAgeNanos = Durations.parse(a.get("max-open-age", "8d")).toNanos();
        if (a.has("host-idle-ttl")) c.lifecycle.hostIdleTtlMillis = Durations.parse(a.get("host-idle-ttl", "30d")).toMillis();
        AlertConfig al = c.alert;
        al.liveWatchdog = unbounded;
        if (a.has("silent-after")) al.silentAfterNanos = Durations.parse(a.get("silent-after", "30m")).toNanos();
        if (a.has("alert-resolve-after")) al.resolveAfterNanos = Durations.parse(a.get("alert-resolve-after", "1m")).toNanos();
        if (a.has("warning-quiet")) al.warningQuietNanos = Durations.parse(a.get("warning-quiet", "15m")).toNanos();
        if (a.has("saturation-for")) al.saturationForNanos = Durations.parse(a.get("saturation-for", "10m")).toNanos();
        if (a.has("saturation-clear")) al.saturationClearRatio = Double.parseDouble(a.get("saturation-clear", "0.8"));
        if (a.has("max-triggers-per-hour")) al.maxTriggersPerHour = Integer.parseInt(a.get("max-triggers-per-hour", "3"));
        if (a.has("stuck-min-count")) al.stuckMinCount = Integer.parseInt(a.get("stuck-min-count", "1"));
        if (a.has("domain-window")) al.domainWindowNanos = Durations.parse(a.get("domain-window", "15m")).toNanos();
        if (a.has("domain-min-attempts")) al.domainMinAttempts = Long.parseLong(a.get("domain-min-attempts", "20"));
        if (a.has("domain-min-recipients")) al.domainMinRecipients = Long.parseLong(a.get("domain-min-recipients", "3"));
        if (a.has("domain-ratio")) al.domainTriggerRatio = Double.parseDouble(a.get("domain-ratio", "0.5"));
        if (a.has("domain-clear-ratio")) al.domainClearRatio = Double.parseDouble(a.get("domain-clear-ratio", "0.2"));
        if (a.has("sender-floor")) al.senderFloor = Long.parseLong(a.get("sender-floor", "200"));
        if (a.has("sender-factor")) al.senderFactor = Double.parseDouble(a.get("sender-factor", "10"));
        al.validate();
        return c;
    }
}
