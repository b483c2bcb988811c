package io.qmailfleet.job.trace;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Settings of the relay trace stage. */
public final class RelayConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * How far the receiver's {@code info msg} time may be from the {@code T} of the {@code 250 ok T qp P}
     * reply, both on the receiver's own clock (T is whole seconds, so the window is
     * [T - tolerance, T + 1 s + tolerance)).
     */
    public long toleranceNanos = 5_000_000_000L;
    /**
     * Processing time an unmatched offer or reception waits in state for its other side (the other
     * host's lines may come later: another file, another partition, a backfill); then it is dropped
     * and counted.
     */
    public long bufferMillis = 3600L * 1000;
    /**
     * Processing time a uniquely matched pair waits before it is written as a link, so that a rival
     * candidate that is already on its way (the other input, another partition) still makes it
     * ambiguous. At the end of a bounded input every waiting pair is decided at once.
     */
    public long settleMillis = 5_000L;
    /**
     * On the heap backend, at most this many offers and receptions wait in one relay-linker
     * subtask; past it those that arrived first are dropped unlinked and counted (down to a fifth
     * below it; {@link RelayLinker.Operator}). It bounds the heap of a backfill that reads faster
     * than {@link #bufferMillis} lets anything leave (about 350 bytes per waiting reception of the
     * bundled capture). Live, a side waits for the seconds between the two hosts' lines, so a fleet
     * meets the bound only when one side's lines come far behind the other's. On RocksDB what waits
     * is on disk and only {@link #bufferMillis} bounds it.
     */
    public long maxWaiting = 250_000L;
    /**
     * Optional map from the remote IP a sender connected to (or a recipient domain) to the fleet host
     * that owns it. When non-empty, an offer only matches receptions on the mapped host, and an offer
     * whose IP and domain are both unmapped left the fleet: it is not linked.
     */
    public Map<String, String> fleetMap = new LinkedHashMap<>();

    /**
     * The host an offer must land on: the map entry for its IP, else for the recipient's domain;
     * null when the map has neither (or there is no map).
     */
    public String mappedHost(String ip, String recipientDomain) {
        if (fleetMap.isEmpty()) return null;
        String h = ip == null ? null : fleetMap.get(ip);
        if (h == null && recipientDomain != null) h = fleetMap.get(recipientDomain.toLowerCase(Locale.ROOT));
        return h;
    }

    /**
     * Parses {@code --fleet-map}: either entries {@code KEY=HOST[,KEY=HOST...]}, or the path of a file
     * with one {@code KEY HOST} or {@code KEY=HOST} per line ({@code #} starts a comment). KEY is an
     * IPv4 address or a domain. A malformed entry is an error naming it.
     */
    public static Map<String, String> parseFleetMap(String spec) {
        Map<String, String> m = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) return m;
        Path file = Path.of(spec.trim());
        if (!spec.contains("=") || Files.isRegularFile(file)) {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException("--fleet-map: no file " + spec
                    + " (give KEY=HOST[,KEY=HOST...] or a file of KEY HOST lines)");
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("--fleet-map: cannot read " + spec + ": " + e.getMessage());
            }
            int n = 0;
            for (String line : text.split("\n", -1)) {
                n++;
                int hash = line.indexOf('#');
                String l = (hash >= 0 ? line.substring(0, hash) : line).trim();
                if (l.isEmpty()) continue;
                String[] kv = l.contains("=") ? l.split("=", 2) : l.split("\\s+", 2);
                put(m, kv, spec + ":" + n + " '" + l + "'");
            }
        } else {
            for (String e : spec.split(",")) {
                if (e.isBlank()) continue;
                put(m, e.split("=", 2), "'" + e.trim() + "'");
            }
        }
        return m;
    }

    private static void put(Map<String, String> m, String[] kv, String where) {
        if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank() || kv[1].trim().contains(" ")) {
            throw new IllegalArgumentException("--fleet-map: entry " + where + " is not KEY=HOST");
        }
        String key = kv[0].trim().toLowerCase(Locale.ROOT);
        String host = kv[1].trim();
        String old = m.put(key, host);
        if (old != null && !old.equals(host)) {
            throw new IllegalArgumentException("--fleet-map: " + key + " maps to both " + old + " and " + host);
        }
    }
}
