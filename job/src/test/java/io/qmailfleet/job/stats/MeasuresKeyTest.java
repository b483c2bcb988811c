package io.qmailfleet.job.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The stats keys of an address: its domain lower-cased, whether or not lower-casing had anything to do. */
class MeasuresKeyTest {
    /** The keys as lower-casing a copy of every domain makes them. */
    private static String addressKeyByCopy(String a) {
        int at = a.lastIndexOf('@');
        return at < 0 ? a : a.substring(0, at + 1) + a.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    private static String domainKeyByCopy(String a) {
        int at = a.lastIndexOf('@');
        return at < 0 ? "" : a.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    @Test
    void keysAreTheLowerCasedDomainForAnyAddress() {
        // letters of both cases, the characters around them, Latin-1 and other capitals, a dotless I
        String alphabet = "aAzZ@.-_+@[]09`{\u00e9\u00c9\u0130\u0131\u03a3\u00df\u212a";
        Random rnd = new Random(16);
        for (int n = 0; n < 200_000; n++) {
            StringBuilder b = new StringBuilder();
            for (int i = rnd.nextInt(12); i >= 0; i--) b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            String a = b.toString();
            assertEquals(addressKeyByCopy(a), Measures.addressKey(a), a);
            assertEquals(domainKeyByCopy(a), Measures.domainKey(a), a);
        }
        assertEquals("Bob@example.com", Measures.addressKey("Bob@Example.COM"));
        assertEquals("example.com", Measures.domainKey("Bob@Example.COM"));
        assertEquals("", Measures.domainKey("no-domain"));
        assertEquals("", Measures.domainKey(null));
        assertEquals(null, Measures.addressKey(null));
    }

    @Test
    void anAddressWhoseDomainIsAlreadyLowerCaseIsItsOwnKey() {
        String a = "Alice@mail.example.org";
        assertSame(a, Measures.addressKey(a));
        assertEquals("mail.example.org", Measures.domainKey(a));
    }
}
