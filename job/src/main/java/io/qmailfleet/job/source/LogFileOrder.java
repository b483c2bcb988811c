package io.qmailfleet.job.source;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Locale;

/**
 * The order in which one host's log files must be read so that its lines come out in the order
 * qmail-send wrote them.
 *
 * <ul>
 *   <li>multilog: {@code @<tai64n>.s} / {@code .u} files in name order (the TAI64N label is the
 *       rotation time, and hex sorts like time), then {@code current};</li>
 *   <li>logrotate numbering: {@code maillog.3.gz}, {@code maillog.2.gz}, {@code maillog.1}, then
 *       {@code maillog} (a higher number is older);</li>
 *   <li>logrotate dateext: {@code maillog-20261123.gz} before {@code maillog-20261124}, then
 *       {@code maillog}.</li>
 * </ul>
 * Files of different directories are kept apart, directory by directory in name order.
 */
public final class LogFileOrder implements Comparator<String>, Serializable {
    private static final long serialVersionUID = 1L;

    public static final LogFileOrder INSTANCE = new LogFileOrder();

    /** Names multilog keeps in its directory that are not logs. */
    public static boolean isMultilogControlFile(String name) {
        return name.equals("lock") || name.equals("state") || name.equals("newstate")
                || name.equals("processed") || name.startsWith("previous");
    }

    @Override
    public int compare(String pathA, String pathB) {
        int slashA = pathA.lastIndexOf('/');
        int slashB = pathB.lastIndexOf('/');
        String dirA = slashA < 0 ? "" : pathA.substring(0, slashA);
        String dirB = slashB < 0 ? "" : pathB.substring(0, slashB);
        int c = dirA.compareTo(dirB);
        if (c != 0) return c;
        Key a = key(pathA.substring(slashA + 1));
        Key b = key(pathB.substring(slashB + 1));
        c = Integer.compare(a.group, b.group);
        if (c != 0) return c;
        c = a.base.compareTo(b.base);
        if (c != 0) return c;
        c = Long.compare(a.rank, b.rank);
        if (c != 0) return c;
        return a.name.compareTo(b.name);
    }

    private static final class Key {
        int group;        // 0: multilog @ files, 1: other logs, 2: multilog current
        String base = ""; // other logs: name without rotation suffix
        long rank;        // order within the group/base
        String name;
    }

    static String stripCompression(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String ext : new String[] {".gz", ".gzip", ".bz2", ".xz", ".deflate"}) {
            if (lower.endsWith(ext)) return name.substring(0, name.length() - ext.length());
        }
        return name;
    }

    private static Key key(String fileName) {
        Key k = new Key();
        k.name = fileName;
        String name = stripCompression(fileName);
        if (name.startsWith("@")) {
            k.group = 0;
            k.base = name;
            return k;
        }
        if (name.equals("current")) {
            k.group = 2;
            return k;
        }
        k.group = 1;
        int dot = name.lastIndexOf('.');
        if (dot > 0 && isDigits(name, dot + 1, name.length())) {
            // logrotate numbering: a higher number is older, so it comes first
            k.base = name.substring(0, dot);
            k.rank = -parse(name, dot + 1, name.length());
            return k;
        }
        int dash = name.lastIndexOf('-');
        if (dash > 0 && name.length() - dash - 1 >= 8 && isDigits(name, dash + 1, name.length())) {
            // dateext: older dates first, before the live file
            k.base = name.substring(0, dash);
            k.rank = Long.MIN_VALUE / 2 + parse(name, dash + 1, Math.min(name.length(), dash + 1 + 15));
            return k;
        }
        k.base = name;
        k.rank = Long.MAX_VALUE; // the live file comes after all of its rotations
        return k;
    }

    private static boolean isDigits(String s, int from, int to) {
        if (from >= to) return false;
        for (int i = from; i < to; i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') return false;
        }
        return true;
    }

    private static long parse(String s, int from, int to) {
        long v = 0;
        for (int i = from; i < to && i < from + 15; i++) v = v * 10 + (s.charAt(i) - '0');
        return v;
    }
}
