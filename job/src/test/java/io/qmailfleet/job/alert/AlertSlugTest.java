package io.qmailfleet.job.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link AlertEngine#slug} (the part of a qmail alert's or warning's dedup key made from its
 * text) gives what the two regular expressions it replaced give, on real alert and warning texts
 * and on random texts of ASCII, Latin-1, other letters and surrogate pairs.
 */
class AlertSlugTest {
    private static String byRegex(String text) {
        String s = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9<>]+", "-").replaceAll("^-|-$", "");
        return s.length() <= 120 ? s : s.substring(0, 120);
    }

    @Test
    void realTextsKeepTheirKeys() {
        for (String t : List.of("unable to stat <n>; will try again later",
                "trouble opening remote/<id>; will try again later",
                "cannot start: unable to open mutex", "  --leading and trailing--  ", "-", "", "ÄÖÜ straße",
                "İstanbul relay", "x".repeat(300) + " tail")) {
            assertEquals(byRegex(t), AlertEngine.slug(t), t);
        }
        assertEquals("unable-to-stat-<n>-will-try-again-later", AlertEngine.slug("unable to stat <n>; will try again later"));
    }

    @Test
    void randomTextsGiveWhatTheRegexGives() {
        Random rnd = new Random(5);
        String pool = "abcXYZ019<>-_ ;:/.éÄİß\u0130\u212A";
        for (int i = 0; i < 100_000; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = rnd.nextInt(140); n > 0; n--) {
                if (rnd.nextInt(40) == 0) b.appendCodePoint(0x1F600 + rnd.nextInt(50));
                else b.append(pool.charAt(rnd.nextInt(pool.length())));
            }
            String t = b.toString();
            assertEquals(byRegex(t), AlertEngine.slug(t), t);
        }
    }
}
