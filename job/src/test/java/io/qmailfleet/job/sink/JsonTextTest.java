package io.qmailfleet.job.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written JSON writer gives exactly the text Jackson's generator and Instant.toString give. */
class JsonTextTest {
    private static final JsonFactory JACKSON = new JsonFactory();

    @Test
    void doublesAndStringElementsAreWrittenAsJacksonWritesThem() throws Exception {
        Random random = new Random(7);
        List<Double> values = new ArrayList<>(List.of(0.0, -0.0, 1.0, 0.5, 1e-7, 123456789.123456, 1e21, -3.25,
                Double.MIN_VALUE, Double.MAX_VALUE));
        for (int i = 0; i < 5000; i++) {
            double v = random.nextGaussian() * Math.pow(10, random.nextInt(12) - 4);
            values.add(v);
            values.add(Math.round(v * 1e6) / 1e6);
        }
        for (double v : values) {
            JsonText t = new JsonText();
            t.reset();
            t.startObject();
            t.numberField("d", v);
            t.arrayField("hosts");
            t.stringElement("mx1");
            t.stringElement("say \"" + v + "\"");
            t.endArray();
            t.numberField("e", v / 3);
            t.endObject();

            StringWriter w = new StringWriter();
            try (JsonGenerator g = JACKSON.createGenerator(w)) {
                g.writeStartObject();
                g.writeNumberField("d", v);
                g.writeArrayFieldStart("hosts");
                g.writeString("mx1");
                g.writeString("say \"" + v + "\"");
                g.writeEndArray();
                g.writeNumberField("e", v / 3);
                g.writeEndObject();
            }
            assertEquals(w.toString(), t.toString(), "value " + v);
        }
    }

    /**
     * A value to six decimals is written as the double {@code Math.round(v * 1e6) / 1e6} is: for
     * every count of microseconds up to 3 s (both signs), around the bounds of the plain form
     * (0.001 and 10^7), and for random values of every size, NaN and the infinities.
     */
    @Test
    void valuesToSixDecimalsAreWrittenAsTheRoundedDouble() {
        JsonText fast = new JsonText();
        JsonText plain = new JsonText();
        java.util.function.DoubleConsumer check = v -> {
            fast.reset();
            plain.reset();
            fast.micros6Field("x", v);
            plain.numberField("x", Math.round(v * 1e6) / 1e6);
            if (fast.length() != plain.length() || !fast.toString().equals(plain.toString()))
                assertEquals(plain.toString(), fast.toString(), "value " + v);
        };
        for (long k = -3_000_000; k <= 3_000_000; k++) check.accept(k / 1e6);
        for (long k : new long[] {999, 1000, 1001, 9_999_999_999_999L, 10_000_000_000_000L, 10_000_000_000_001L}) {
            check.accept(k / 1e6);
            check.accept(-k / 1e6);
        }
        Random random = new Random(11);
        for (int i = 0; i < 500_000; i++) {
            double v = random.nextDouble() * Math.pow(10, random.nextInt(16) - 6);
            check.accept(v);
            check.accept(-v);
            check.accept(Math.round(v * 1e6) / 1e6);
        }
        for (double v : new double[] {0.0, -0.0, 4e-7, 5e-7, -5e-7, 6e-7, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE}) {
            check.accept(v);
        }
    }

    @Test
    void stringsAreEscapedAsJacksonEscapesThem() throws Exception {
        List<String> samples = new ArrayList<>(List.of("", "plain", "say \"hi\"", "back\\slash", "tab\there",
                "line\nbreak\r\n", "\b\f\u0000\u0001\u001f\u007f", "ünïcödé ✓ \uD83D\uDCE7", "\uD800 lone surrogate",
                "/slash/ <b>&amp;</b>", "deferral: Connected_to_1.2.3.4_but_sender_was_rejected./Remote_host_said:_"
                        + "553_5.1.8_<a@b>..._Domain_of_sender_address_does_not_exist/"));
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            StringBuilder s = new StringBuilder();
            int n = random.nextInt(40);
            for (int j = 0; j < n; j++) {
                int kind = random.nextInt(4);
                s.append((char) (kind == 0 ? random.nextInt(0x20) : kind == 1 ? 0x20 + random.nextInt(0x60)
                        : kind == 2 ? "\"\\".charAt(random.nextInt(2)) : random.nextInt(0x10000)));
            }
            samples.add(s.toString());
        }
        for (String s : samples) {
            JsonText t = new JsonText();
            t.reset();
            t.startObject();
            t.stringField("f", s);
            t.numberField("n", s.length());
            t.booleanField("b", true);
            t.nullField("z");
            t.arrayField("a");
            t.startObject();
            t.stringField("g", s);
            t.endObject();
            t.startObject();
            t.endObject();
            t.endArray();
            t.objectField("o");
            t.numberField("m", -1);
            t.endObject();
            t.endObject();

            StringWriter w = new StringWriter();
            try (JsonGenerator g = JACKSON.createGenerator(w)) {
                g.writeStartObject();
                g.writeStringField("f", s);
                g.writeNumberField("n", s.length());
                g.writeBooleanField("b", true);
                g.writeNullField("z");
                g.writeArrayFieldStart("a");
                g.writeStartObject();
                g.writeStringField("g", s);
                g.writeEndObject();
                g.writeStartObject();
                g.writeEndObject();
                g.writeEndArray();
                g.writeObjectFieldStart("o");
                g.writeNumberField("m", -1);
                g.writeEndObject();
                g.writeEndObject();
            }
            // the bytes a file or Kafka record gets: the text as String.getBytes(UTF_8) encodes it
            // (an unpaired surrogate as '?')
            assertArrayEquals(w.toString().getBytes(StandardCharsets.UTF_8), t.toBytes(), s);
            assertEquals(new String(w.toString().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), t.toString());
        }
    }

    @Test
    void aRepeatedStringFieldWritesWhatAStringFieldWrites() throws Exception {
        String origin = "file:/var/log/qmail/send/@400000006b05f0841dc0999c.s";
        String longer = "file:/srv/logs/" + "x".repeat(200) + "/\"quoted\"\tcurrent \u00e9\u2713";
        List<String> values = List.of(origin, origin, new String(origin.toCharArray()), "kafka:qmail-send/0",
                origin, longer, longer, origin, "", "", longer);
        Random random = new Random(5);
        List<String> more = new ArrayList<>();
        for (int i = 0; i < 2000; i++) more.add(values.get(random.nextInt(values.size())));
        JsonText repeated = new JsonText();
        java.io.ByteArrayOutputStream written = new java.io.ByteArrayOutputStream();
        StringBuilder expected = new StringBuilder();
        for (String v : more) {
            JsonText plain = new JsonText();
            plain.startObject();
            plain.stringField("origin", v);
            plain.numberField("position", v.length());
            plain.endObject();
            expected.append(plain).append('\n');
            repeated.startObject();
            repeated.repeatedStringField("origin", v);
            repeated.numberField("position", v.length());
            repeated.endObject();
            repeated.line();
            // the buffer goes out now and then, as a file writer's does; the kept bytes are the field's own
            if (random.nextInt(7) == 0) repeated.writeTo(written);
        }
        repeated.writeTo(written);
        assertEquals(expected.toString(), written.toString(StandardCharsets.UTF_8));
        assertThrows(NullPointerException.class, () -> new JsonText().repeatedStringField("origin", null));
    }

    @Test
    void longsAreWrittenAsJacksonWritesThem() throws Exception {
        Random random = new Random(11);
        List<Long> values = new ArrayList<>(List.of(0L, 1L, -1L, 9L, 10L, -10L, 99L, 100L, 999_999_999_999_999_999L,
                1_000_000_000_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1));
        for (int i = 0; i < 5000; i++) values.add(random.nextLong() >> random.nextInt(64));
        // every count of digits, on both sides of each power of ten and of the int range
        for (long p = 1; p > 0 && p <= Long.MAX_VALUE / 10; p *= 10) {
            for (long v : new long[] {p - 1, p, p + 1, 10 * p - 1}) {
                values.add(v);
                values.add(-v);
            }
        }
        for (long v : new long[] {Integer.MAX_VALUE - 1L, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, 1L << 32}) {
            values.add(v);
            values.add(-v);
        }
        JsonText t = new JsonText();
        for (long v : values) {
            t.reset();
            t.startObject();
            t.numberField("n", v);
            t.arrayField("a");
            t.endArray();
            t.endObject();
            StringWriter w = new StringWriter();
            try (JsonGenerator g = JACKSON.createGenerator(w)) {
                g.writeStartObject();
                g.writeNumberField("n", v);
                g.writeArrayFieldStart("a");
                g.writeEndArray();
                g.writeEndObject();
            }
            assertEquals(w.toString(), t.toString());
        }
    }

    @Test
    void linesOfRecordsShareOneBufferAndAWholeValueGoesInAsItIs() throws Exception {
        JsonText t = new JsonText();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            String big = "x".repeat(i * 37) + "\u00e9\u2713";
            t.startObject();
            t.stringField("s", big);
            t.objectField("o");
            t.numberField("i", i);
            t.endObject();
            t.endObject();
            t.line();
            t.value("{\"made\":\"elsewhere \u00e9\"}");
            t.line();
            expected.append("{\"s\":\"").append(big).append("\",\"o\":{\"i\":").append(i).append("}}\n");
            expected.append("{\"made\":\"elsewhere \u00e9\"}\n");
        }
        assertEquals(expected.toString(), t.toString());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        t.writeTo(out);
        assertEquals(0, t.length());
        assertArrayEquals(expected.toString().getBytes(StandardCharsets.UTF_8), out.toByteArray());
    }

    @Test
    void timesAreWrittenAsInstantWritesThem() {
        Random random = new Random(7);
        List<Long> samples = new ArrayList<>(List.of(0L, 1L, 999_999_999L, 1_000_000_000L, 1_000_000L, 1_000L,
                1_795_550_799_534_648_500L, 1_795_550_799_534_679_000L, 1_795_550_799_534_000_000L,
                1_795_550_799_000_000_000L, 951_782_400_000_000_000L /* 2000-02-29 */, 4_107_542_399_999_999_999L,
                Long.MAX_VALUE, -1L, -1_000_000_001L, Long.MIN_VALUE));
        for (int i = 0; i < 20_000; i++) {
            // every year from 1677 to 2262, before 1970 through Instant itself
            long nanos = random.nextLong();
            if (i % 3 == 0) nanos -= nanos % 1_000;
            if (i % 5 == 0) nanos -= nanos % 1_000_000;
            samples.add(nanos);
        }
        JsonText t = new JsonText();
        for (long n : samples) {
            t.reset();
            t.iso(n);
            // twice: the second comes from the cached date and time of day
            t.raw(' ');
            t.iso(n);
            String expected = Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L)).toString();
            assertEquals(expected + " " + expected, t.toString(), Long.toString(n));
            assertEquals(expected, JsonText.isoString(n), Long.toString(n));
        }
    }
}
