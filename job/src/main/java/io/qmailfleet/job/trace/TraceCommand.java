package io.qmailfleet.job.trace;

import com.fasterxml.jackson.databind.JsonNode;
import io.qmailfleet.job.sink.OutputRecords;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qmailfleet.job.CliArgs;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code trace}: a message's whole path through the fleet, read from a finished run's output files
 * ({@code lifecycles/} and {@code hops/} under {@code --output}): accepted on one host, relayed to
 * the next, delivered, bounced, and a bounce relayed back. Cross-host steps come from the hops,
 * bounces and forwards on one host from the life cycles' {@code bounce_of} / {@code forward_of}.
 *
 * <pre>
 * trace --output DIR --host HOST --msg ID [--json]
 * trace --output DIR --address ADDR [--from TIME] [--to TIME] [--json]
 * </pre>
 */
public final class TraceCommand {
    static final String USAGE = String.join("\n",
            "trace: a message's path through the fleet, from a run's output files (lifecycles/ and hops/).",
            "  --output DIR     the run's output folder (default out)",
            "  --host HOST --msg ID          start from this message (every life cycle of the id on that host)",
            "  --address ADDR [--from TIME] [--to TIME]",
            "                   start from the messages from or to ADDR (case-insensitive) queued in the range",
            "                   (TIME: ISO 8601, e.g. 2026-11-24T20:14:00Z; without a zone it is UTC)",
            "  --json           one JSON object for machines instead of the readable tree");
    private static final Set<String> KNOWN = Set.of("output", "host", "msg", "address", "from", "to", "json", "help");
    private static final ObjectMapper JSON = new ObjectMapper();

    private TraceCommand() {}

    /** A life cycle: its record, and its steps to other life cycles. */
    static final class Node {
        final String id;
        final JsonNode rec;
        final List<Step> out = new ArrayList<>();
        final List<Step> in = new ArrayList<>();

        Node(String id, JsonNode rec) {
            this.id = id;
            this.rec = rec;
        }
    }

    /** relay (a hop), bounce or forward. */
    record Step(String kind, Node from, Node to, JsonNode hop, String recipient) {}

    static String id(String host, long msgId, String newTime) {
        return host + "|" + msgId + "|" + newTime;
    }

    /** A life cycle's {@code new} time; Instant.MIN when it has none (or none that parses). */
    private static Instant newTime(Node n) {
        String t = text(n.rec, "new");
        try {
            return t == null ? Instant.MIN : Instant.parse(t);
        } catch (DateTimeParseException e) {
            return Instant.MIN;
        }
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Exit code: 0 found, 1 nothing found, 2 bad arguments or unreadable output. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CliArgs a;
        try {
            a = CliArgs.parse(args);
            for (String n : a.names()) if (!KNOWN.contains(n)) throw new IllegalArgumentException("unknown option --" + n);
            if (a.has("help")) {
                out.println(USAGE);
                return 0;
            }
            boolean byMsg = a.has("host") || a.has("msg");
            if (byMsg == a.has("address")) throw new IllegalArgumentException("give either --host and --msg, or --address");
            if (byMsg && !(a.has("host") && a.has("msg"))) throw new IllegalArgumentException("--host and --msg go together");
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        Path dir = Path.of(a.get("output", "out"));
        Map<String, Node> nodes = new LinkedHashMap<>();
        try {
            for (JsonNode r : OutputRecords.read(dir.resolve("lifecycles"))) {
                String id = id(text(r, "host"), r.path("msg_id").asLong(), text(r, "new"));
                Node old = nodes.get(id);
                // a life cycle written again with relay links replaces the first record of it
                if (old == null || r.path("relay_update").asBoolean(false)) nodes.put(id, new Node(id, r));
            }
            if (nodes.isEmpty()) {
                err.println("error: no life cycles under " + dir.resolve("lifecycles"));
                return 2;
            }
            link(nodes, OutputRecords.read(dir.resolve("hops")));
        } catch (IOException | RuntimeException e) {
            err.println("error: cannot read the outputs under " + dir + ": " + e.getMessage());
            return 2;
        }

        List<Node> starts = new ArrayList<>();
        String query;
        try {
            if (a.has("msg")) {
                String host = a.get("host", null);
                long msg = Long.parseLong(a.get("msg", "-1"));
                query = "host " + host + " msg " + msg;
                for (Node n : nodes.values()) {
                    if (host.equals(text(n.rec, "host")) && n.rec.path("msg_id").asLong() == msg) starts.add(n);
                }
            } else {
                String addr = a.get("address", "").toLowerCase(Locale.ROOT);
                Instant from = time(a.get("from", null), Instant.MIN);
                Instant to = time(a.get("to", null), Instant.MAX);
                query = "address " + addr + (a.has("from") ? " from " + from : "") + (a.has("to") ? " to " + to : "");
                for (Node n : nodes.values()) {
                    if (!involves(n.rec, addr)) continue;
                    String t = text(n.rec, "new");
                    Instant at = t == null ? null : Instant.parse(t);
                    if (at != null && (at.isBefore(from) || at.isAfter(to))) continue;
                    if (at == null && (a.has("from") || a.has("to"))) continue;
                    starts.add(n);
                }
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        if (starts.isEmpty()) {
            err.println("no message found for " + query);
            return 1;
        }
        // one path per origin: walk back along relays, bounces and forwards
        List<Node> roots = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Node s : starts) {
            Node r = root(s);
            if (seen.add(r.id)) roots.add(r);
        }
        // the same order whatever order the output files list them in: by the first life cycle's
        // new msg time (its host's clock), then host and message id
        roots.sort(java.util.Comparator.comparing((Node n) -> newTime(n))
                .thenComparing(n -> { String h = text(n.rec, "host"); return h == null ? "" : h; })
                .thenComparingLong(n -> n.rec.path("msg_id").asLong()));
        Set<String> marked = new HashSet<>();
        for (Node s : starts) marked.add(s.id);
        if (a.has("json")) {
            ObjectNode o = JSON.createObjectNode();
            o.put("query", query);
            ArrayNode paths = o.putArray("paths");
            for (Node r : roots) paths.add(json(r, marked, new HashSet<>()));
            out.println(o.toString());
        } else {
            for (int i = 0; i < roots.size(); i++) {
                if (i > 0) out.println();
                Set<String> hosts = new java.util.TreeSet<>();
                int count = count(roots.get(i), hosts, new HashSet<>());
                out.println("path " + (i + 1) + " of " + roots.size() + ": " + count + " life cycle" + (count == 1 ? "" : "s")
                        + " on " + String.join(", ", hosts));
                print(roots.get(i), "", marked, new HashSet<>(), out);
            }
        }
        return 0;
    }

    static Instant time(String s, Instant dflt) {
        if (s == null) return dflt;
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
        }
    }

    static boolean involves(JsonNode r, String addr) {
        String sender = text(r, "sender");
        if (sender != null && sender.toLowerCase(Locale.ROOT).equals(addr)) return true;
        for (JsonNode rc : r.path("recipients")) {
            if (rc.path("address").asText("").toLowerCase(Locale.ROOT).equals(addr)) return true;
        }
        return false;
    }

    static void link(Map<String, Node> nodes, List<JsonNode> hops) {
        for (JsonNode h : hops) {
            JsonNode f = h.path("from");
            JsonNode t = h.path("to");
            Node from = nodes.get(id(text(f, "host"), f.path("msg_id").asLong(), text(f, "new")));
            Node to = nodes.get(id(text(t, "host"), t.path("msg_id").asLong(), text(t, "new")));
            if (from == null || to == null) continue;
            add(new Step("relay", from, to, h, text(f, "recipient")));
        }
        for (Node n : nodes.values()) {
            String host = text(n.rec, "host");
            for (String kind : List.of("bounce_of", "forward_of")) {
                JsonNode ref = n.rec.get(kind);
                if (ref == null || ref.isNull()) continue;
                Node orig = nodes.get(id(host, ref.path("msg_id").asLong(), text(ref, "new")));
                if (orig != null) add(new Step(kind.equals("bounce_of") ? "bounce" : "forward", orig, n, null, text(ref, "recipient")));
            }
        }
    }

    private static void add(Step s) {
        s.from.out.add(s);
        s.to.in.add(s);
    }

    static Node root(Node n) {
        Set<String> seen = new HashSet<>();
        while (!n.in.isEmpty() && seen.add(n.id)) n = n.in.get(0).from;
        return n;
    }

    static int count(Node n, Set<String> hosts, Set<String> seen) {
        if (!seen.add(n.id)) return 0;
        hosts.add(text(n.rec, "host"));
        int c = 1;
        for (Step s : n.out) c += count(s.to, hosts, seen);
        return c;
    }

    static String describe(JsonNode r) {
        StringBuilder b = new StringBuilder();
        b.append(text(r, "host")).append(" msg ").append(r.path("msg_id").asLong());
        b.append("  new ").append(text(r, "new"));
        b.append("  from <").append(r.path("sender").asText("?")).append('>');
        if (!r.path("bytes").isNull()) b.append("  ").append(r.path("bytes").asLong()).append(" bytes");
        b.append("  ").append(text(r, "status"));
        if (!r.path("end").isNull()) b.append(" (end ").append(text(r, "end")).append(')');
        return b.toString();
    }

    static void print(Node n, String indent, Set<String> marked, Set<String> seen, PrintStream out) {
        if (!seen.add(n.id)) return;
        out.println(indent + (marked.contains(n.id) ? "* " : "") + describe(n.rec));
        for (JsonNode rc : n.rec.path("recipients")) {
            JsonNode attempts = rc.path("attempts");
            JsonNode last = attempts.size() == 0 ? null : attempts.get(attempts.size() - 1);
            StringBuilder b = new StringBuilder(indent + "    " + rc.path("channel").asText() + " "
                    + rc.path("address").asText() + ": " + rc.path("final").asText("?"));
            b.append(" after ").append(attempts.size()).append(attempts.size() == 1 ? " attempt" : " attempts");
            if (last != null && last.hasNonNull("report")) b.append("  ").append(last.get("report").asText());
            out.println(b);
        }
        for (Step s : n.out) {
            JsonNode to = s.to.rec;
            String what;
            if (s.kind.equals("relay")) {
                JsonNode h = s.hop;
                what = "relayed to " + text(to, "host") + " msg " + to.path("msg_id").asLong() + " (delivery "
                        + h.path("from").path("delivery_id").asText() + " to " + s.recipient + " via "
                        + h.path("from").path("remote_ip").asText() + ", qp " + h.path("qp").asLong()
                        + delay(h) + ")";
            } else if (s.kind.equals("bounce")) {
                what = "bounced: " + text(to, "host") + " msg " + to.path("msg_id").asLong() + " to the sender";
            } else {
                what = "forwarded by " + s.recipient + ": " + text(to, "host") + " msg " + to.path("msg_id").asLong();
            }
            out.println(indent + "    -> " + what);
            print(s.to, indent + "  ", marked, seen, out);
        }
    }

    /** The hop's delay on one clock, when the receiver's clock offset is known. */
    static String delay(JsonNode h) {
        if (h.path("delay_ms").isNull()) return "";
        long ms = h.path("delay_ms").asLong();
        if (h.path("receiver_clock_ahead_s").isNull()) return ", " + ms + " ms from attempt start to end msg across two clocks";
        long ahead = h.path("receiver_clock_ahead_s").asLong();
        String d = String.format(Locale.ROOT, ", %.1f s from attempt start to end msg", (ms - ahead * 1000) / 1000.0);
        if (ahead != 0) d += String.format(Locale.ROOT, " (receiver clock %+d s)", ahead);
        return d;
    }

    static ObjectNode json(Node n, Set<String> marked, Set<String> seen) {
        ObjectNode o = JSON.createObjectNode();
        seen.add(n.id);
        o.set("lifecycle", n.rec);
        if (marked.contains(n.id)) o.put("matched", true);
        ArrayNode next = o.putArray("next");
        for (Step s : n.out) {
            if (seen.contains(s.to.id)) continue;
            ObjectNode step = next.addObject();
            step.put("via", s.kind);
            if (s.hop != null) step.set("hop", s.hop);
            if (s.recipient != null) step.put("recipient", s.recipient);
            step.set("to", json(s.to, marked, seen));
        }
        return o;
    }
}
