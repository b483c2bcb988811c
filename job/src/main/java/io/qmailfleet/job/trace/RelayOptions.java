package io.qmailfleet.job.trace;

import io.qmailfleet.job.options.JobOption;
import io.qmailfleet.job.options.OptionGroup;
import java.time.Duration;

/** The relay trace's options (see {@link RelayConfig}). */
public final class RelayOptions {
    private RelayOptions() {}

    public static final JobOption<String> FLEET_MAP = JobOption.string("fleet-map", "MAP", null)
            .check(s -> !s.isBlank(), "must be KEY=HOST[,...] or a file")
            .help("remote IP or recipient domain -> fleet host, IP=HOST[,...] or a file of 'KEY HOST' lines:"
                    + " relay offers only link to the mapped host");
    public static final JobOption<Duration> TOLERANCE = JobOption.duration("relay-tolerance", Duration.ofSeconds(5))
            .check(d -> !d.isNegative(), "must be >= 0")
            .help("receiver's info msg time vs the T of its '250 ok T qp P', both on the receiver's clock");
    public static final JobOption<Duration> SETTLE = JobOption.duration("relay-settle", Duration.ofSeconds(5))
            .check(d -> !d.isNegative(), "must be >= 0")
            .help("processing time a unique relay match waits for a rival before it is written");
    public static final JobOption<Duration> BUFFER = JobOption.duration("relay-buffer", Duration.ofHours(1))
            .check(JobOption.positive(), "must be > 0")
            .help("processing time an unmatched relay side waits for the other");

    public static final JobOption<Integer> MAX_WAITING = JobOption.integer("relay-max-waiting", 250_000)
            .check(n -> n >= 1, "must be >= 1")
            .help("heap backend: offers and receptions waiting per relay-linker subtask; past it the first arrivals"
                    + " are dropped unlinked and counted (relay-dropped-over-bound): bounds a backfill's memory");

    public static final OptionGroup GROUP = new OptionGroup(
            "Relay trace (links a message relayed between fleet hosts; output hops/)", FLEET_MAP, TOLERANCE, SETTLE, BUFFER, MAX_WAITING);

    /** The stage's settings from its options; reads the {@code --fleet-map} file if one is named. */
    public static RelayConfig config(io.qmailfleet.job.JobConfig c) {
        RelayConfig r = new RelayConfig();
        r.fleetMap = RelayConfig.parseFleetMap(c.get(FLEET_MAP));
        r.toleranceNanos = c.get(TOLERANCE).toNanos();
        r.settleMillis = c.get(SETTLE).toMillis();
        r.bufferMillis = c.get(BUFFER).toMillis();
        r.maxWaiting = c.get(MAX_WAITING);
        if (r.settleMillis >= r.bufferMillis) {
            throw new IllegalArgumentException("--relay-settle must be shorter than --relay-buffer");
        }
        return r;
    }
}
