package io.qmailfleet.job.trace;

import io.qmailfleet.job.parse.Tai64n;
import io.qmailfleet.job.model.RawLine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A synthetic three-host fleet in multilog format, built from the qmail-send line shapes of
 * log-format.md (sections 1, 3.3 and 7). {@code mx1} (10.0.0.1) runs on true time; {@code mbox1}
 * (10.0.0.2) and {@code mbox2} (10.0.0.3) run a day ahead, so a {@code 250 ok <T>} reply is only
 * near the receiver's own log time, never the sender's.
 *
 * <ul>
 *   <li>mx1:100 relayed to mbox1:200 (250 ok T qp 7001);</li>
 *   <li>mbox1:201 relayed to mx1:101 (the other direction);</li>
 *   <li>mx1:102 relayed to mbox1:202, which fails locally and bounces: mbox1:203 ({@code from <>})
 *       is relayed back to the sender's host, mx1:103;</li>
 *   <li>mx1:104 relayed with qp 7777 at a second when both mbox1:204 and mbox2:304 logged qp 7777:
 *       ambiguous without a fleet map;</li>
 *   <li>mx1:105 relayed to 192.0.2.50, a receiver that is not in the job.</li>
 * </ul>
 */
public final class RelayFleetLogs {
    /** mx1's clock: 2026-11-24 20:14:11 UTC. */
    static final long A = 1_795_551_251L;
    /** mbox1's and mbox2's clock: a day ahead. */
    static final long B = A + 86_400L;
    public static final String FLEET_MAP = "10.0.0.1=mx1,10.0.0.2=mbox1,10.0.0.3=mbox2";

    private RelayFleetLogs() {}

    static String ml(long base, long millis, String text) {
        long secs = base + millis / 1000;
        long nanos = (millis % 1000) * 1_000_000L;
        return Tai64n.label(secs, nanos) + " " + text;
    }

    private static final class Log {
        final long base;
        final List<String> lines = new ArrayList<>();

        Log(long base) {
            this.base = base;
        }

        Log at(long ms, String text) {
            lines.add(ml(base, ms, text));
            return this;
        }

        /** new/info/start/result/end of one message with one recipient. */
        Log message(long ms, long id, String sender, long qp, long uid, long d, String channel, String rcpt,
                    long resultMs, String result) {
            at(ms, "new msg " + id);
            at(ms + 1, "info msg " + id + ": bytes 900 from <" + sender + "> qp " + qp + " uid " + uid);
            at(ms + 2, "starting delivery " + d + ": msg " + id + " to " + channel + " " + rcpt);
            at(ms + 3, "status: local " + (channel.equals("local") ? "1/10 remote 0/20" : "0/10 remote 1/20"));
            at(resultMs, "delivery " + d + ": " + result);
            at(resultMs + 1, "status: local 0/10 remote 0/20");
            return this;
        }

        static String relayed(String ip, long t, long qp) {
            return "success: " + ip + "_accepted_message./Remote_host_said:_250_ok_" + t + "_qp_" + qp + "/";
        }
    }

    /** Each host's lines, in log order. */
    public static Map<String, List<String>> hosts() {
        Log mx1 = new Log(A).at(0, "status: local 0/10 remote 0/20");
        mx1.message(1000, 100, "alice@mx1.example", 5000, 1008, 1, "remote", "bob@mbox1.example",
                1500, Log.relayed("10.0.0.2", B + 1, 7001)).at(1502, "end msg 100");
        mx1.message(2000, 101, "bob@mbox1.example", 5002, 1004, 2, "local", "alice@mx1.example",
                2400, "success: did_1+0+0/").at(2402, "end msg 101");
        mx1.message(2800, 102, "alice@mx1.example", 5010, 1008, 3, "remote", "nosuch@mbox1.example",
                3500, Log.relayed("10.0.0.2", B + 3, 7003)).at(3502, "end msg 102");
        mx1.message(4000, 103, "", 5003, 1004, 4, "local", "alice@mx1.example",
                4100, "success: did_1+0+0/").at(4102, "end msg 103");
        mx1.message(4800, 104, "carol@mx1.example", 5020, 1008, 5, "remote", "dave@mbox1.example",
                5300, Log.relayed("10.0.0.2", B + 5, 7777)).at(5302, "end msg 104");
        mx1.message(5500, 105, "alice@mx1.example", 5030, 1008, 6, "remote", "zed@outside.example",
                6000, Log.relayed("192.0.2.50", B + 6, 8888)).at(6002, "end msg 105");
        mx1.at(20000, "status: local 0/10 remote 0/20");

        Log mbox1 = new Log(B).at(0, "status: local 0/10 remote 0/20");
        mbox1.message(1000, 200, "alice@mx1.example", 7001, 1004, 1, "local", "bob@mbox1.example",
                1100, "success: did_1+0+0/").at(1102, "end msg 200");
        mbox1.message(2000, 201, "bob@mbox1.example", 7010, 1005, 2, "remote", "alice@mx1.example",
                2500, Log.relayed("10.0.0.1", A + 2, 5002)).at(2502, "end msg 201");
        mbox1.message(3000, 202, "alice@mx1.example", 7003, 1004, 3, "local", "nosuch@mbox1.example",
                3100, "failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/")
                .at(3102, "bounce msg 202 qp 7004").at(3103, "end msg 202");
        mbox1.message(3104, 203, "", 7004, 1007, 4, "remote", "alice@mx1.example",
                4500, Log.relayed("10.0.0.1", A + 4, 5003)).at(4502, "end msg 203");
        mbox1.at(5000, "new msg 204")
                .at(5200, "info msg 204: bytes 600 from <carol@mx1.example> qp 7777 uid 1004")
                .at(5201, "starting delivery 5: msg 204 to local dave@mbox1.example")
                .at(5202, "status: local 1/10 remote 0/20")
                .at(5300, "delivery 5: success: did_1+0+0/")
                .at(5301, "status: local 0/10 remote 0/20")
                .at(5302, "end msg 204");
        mbox1.at(20000, "status: local 0/10 remote 0/20");

        // mbox2: a message from outside the fleet whose qmail-queue got pid 7777 in the same second
        Log mbox2 = new Log(B).at(0, "status: local 0/10 remote 0/20");
        mbox2.at(5000, "new msg 304")
                .at(5600, "info msg 304: bytes 650 from <erin@outside.example> qp 7777 uid 1004")
                .at(5601, "starting delivery 1: msg 304 to local frank@mbox2.example")
                .at(5602, "status: local 1/10 remote 0/20")
                .at(5700, "delivery 1: success: did_1+0+0/")
                .at(5701, "status: local 0/10 remote 0/20")
                .at(5702, "end msg 304");
        mbox2.at(20000, "status: local 0/10 remote 0/20");

        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("mbox1", mbox1.lines);
        m.put("mbox2", mbox2.lines);
        m.put("mx1", mx1.lines);
        return m;
    }

    /** The hosts' lines one host after the other, in {@code order}. */
    static List<RawLine> raw(List<String> order) {
        Map<String, List<String>> hosts = hosts();
        List<RawLine> out = new ArrayList<>();
        for (String h : order) {
            List<String> l = hosts.get(h);
            for (int i = 0; i < l.size(); i++) out.add(new RawLine(l.get(i), h, "test:" + h, i + 1));
        }
        return out;
    }
}
