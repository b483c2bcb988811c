package io.qmailfleet.job;

import java.time.Duration;
import java.util.Locale;

/** Parses durations as operators write them: {@code 500ms}, {@code 2s}, {@code 30m}, {@code 1h}, {@code 8d}, or ISO {@code PT1H}. */
public final class Durations {
    private Durations() {}

    public static Duration parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("p")) return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
        if (i == 0) throw new IllegalArgumentException("not a duration: '" + text + "' (use e.g. 500ms, 2s, 30m, 1h, 8d)");
        double n = Double.parseDouble(s.substring(0, i));
        String unit = s.substring(i).trim();
        double millis;
        switch (unit) {
            case "ms": millis = n; break;
            case "": case "s": case "sec": millis = n * 1_000; break;
            case "m": case "min": millis = n * 60_000; break;
            case "h": millis = n * 3_600_000; break;
            case "d": millis = n * 86_400_000; break;
            default: throw new IllegalArgumentException("unknown duration unit '" + unit + "' in '" + text + "' (ms, s, m, h, d)");
        }
        return Duration.ofMillis(Math.round(millis));
    }
}
