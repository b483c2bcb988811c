package io.qmailfleet.job.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.parse.ParseOutcome;
import io.qmailfleet.job.parse.ParserConfig;
import io.qmailfleet.job.parse.QmailLineParser;
import io.qmailfleet.job.testutil.Capture;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The compact serializer of events between tasks keeps every field of {@link QmailEvent}: each
 * field, found by reflection (so a field added later is covered too), set alone and all together,
 * and every event the parser makes of the real capture.
 */
class QmailEventSerializerTest {
    private static final TypeSerializer<QmailEvent> S =
            QmailEventTypeInfo.INSTANCE.createSerializer(new SerializerConfigImpl());

    private static QmailEvent roundTrip(QmailEvent e) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        S.serialize(e, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        QmailEvent back = S.deserialize(in);
        assertEquals(0, in.available(), "every byte read");
        // and through copy(in, out), as a channel that forwards serialized records does
        DataOutputSerializer copied = new DataOutputSerializer(64);
        S.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
        assertEquals(out.length(), copied.length());
        return back;
    }

    private static List<Field> fields() {
        List<Field> fields = new ArrayList<>();
        for (Field f : QmailEvent.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) fields.add(f);
        }
        return fields;
    }

    /** A value of the field's type other than its default (and other than -1, null, false). */
    private static Object other(Field f, int salt) {
        Class<?> t = f.getType();
        if (t == long.class) return 1_000_000_000_000L * 7 + salt;
        if (t == int.class) return 40_000 + salt;
        if (t == boolean.class) return true;
        if (t == String.class) return "v-" + f.getName() + " ü ✓ \n" + salt;
        if (t.isEnum()) {
            Object[] c = t.getEnumConstants();
            return c[(salt + 1) % c.length];
        }
        throw new AssertionError("QmailEvent." + f.getName() + " has a type the test does not know: " + t);
    }

    private static void assertSameFields(QmailEvent expected, QmailEvent actual) throws Exception {
        for (Field f : fields()) assertEquals(f.get(expected), f.get(actual), f.getName());
    }

    @Test
    void aFreshEventRoundTrips() throws Exception {
        assertSameFields(new QmailEvent(), roundTrip(new QmailEvent()));
    }

    @Test
    void everyFieldAloneRoundTrips() throws Exception {
        int salt = 0;
        for (Field f : fields()) {
            QmailEvent e = new QmailEvent();
            Object v = other(f, salt++);
            assertNotEquals(f.get(e), v, f.getName());
            f.set(e, v);
            assertSameFields(e, roundTrip(e));
        }
    }

    @Test
    void everyFieldTogetherRoundTrips() throws Exception {
        QmailEvent e = new QmailEvent();
        int salt = 0;
        for (Field f : fields()) f.set(e, other(f, salt++));
        assertSameFields(e, roundTrip(e));
        QmailEvent copy = S.copy(e);
        assertSameFields(e, copy);
    }

    @Test
    void stringsOfEveryShapeRoundTrip() throws Exception {
        StringBuilder longText = new StringBuilder();
        for (int i = 0; i < 3000; i++) longText.append((char) ('a' + i % 26));
        for (String text : List.of("", "a", "ü", "✓ \uD83D\uDCE7 mail", "lone \uD800 high", "lone \uDC00 low", "end \uD83D",
                longText.toString(), longText + "é", "\u0000\n\t")) {
            QmailEvent e = new QmailEvent(null, 5, null);
            e.text = text;
            e.address = text;
            assertSameFields(e, roundTrip(e));
        }
    }

    /**
     * A string's bytes are the format's: a tag of its UTF-8 length + 2, then its UTF-8; a string
     * with an unpaired surrogate in Flink's own format after the tag 1. Records and state written
     * by any version read the same, whichever way a version makes or reads the bytes.
     */
    @Test
    void aStringsBytesAreItsTagAndUtf8() throws Exception {
        StringBuilder longText = new StringBuilder();
        for (int i = 0; i < 3000; i++) longText.append((char) ('a' + i % 26));
        for (String text : List.of("", "a", "mail00", "file:/var/log/qmail/@400000006b05f0841dc0999c.s", "ü", "café",
                "Łódź", "✓ \uD83D\uDCE7 mail", "\u007F\u0080", "\u0000\n\t", longText.toString(), longText + "é")) {
            DataOutputSerializer out = new DataOutputSerializer(8);
            QmailEventSerializer.writeString(text, out);
            byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            DataOutputSerializer expected = new DataOutputSerializer(8);
            int tag = utf8.length + 2;
            while ((tag & ~0x7F) != 0) {
                expected.writeByte((tag & 0x7F) | 0x80);
                tag >>>= 7;
            }
            expected.writeByte(tag);
            expected.write(utf8);
            assertEquals(java.util.Arrays.toString(expected.getCopyOfBuffer()), java.util.Arrays.toString(out.getCopyOfBuffer()),
                    "bytes of a string of " + text.length() + " chars");
            assertEquals(text, QmailEventSerializer.readString(new DataInputDeserializer(out.getCopyOfBuffer())));
        }
        DataOutputSerializer out = new DataOutputSerializer(8);
        QmailEventSerializer.writeString("lone \uD800 high", out);
        assertEquals(1, out.getCopyOfBuffer()[0], "an unpaired surrogate: Flink's format");
    }

    /**
     * A line's host and file repeat from one line to the next: read again, they are the same
     * string objects, never a string of other bytes (a file name of the same length, another host).
     */
    @Test
    void aRepeatedHostAndFileAreReadAsTheSameStrings() throws Exception {
        QmailEvent a = new QmailEvent("mail00", 5, EventType.STATUS);
        a.origin = "file:/logs/mail00/@4000000000000001.s";
        QmailEvent b = roundTrip(a);
        QmailEvent c = roundTrip(a);
        assertEquals("mail00", c.host);
        assertTrue(b.host == c.host, "the same host string");
        assertTrue(b.origin == c.origin, "the same file string");
        QmailEvent other = new QmailEvent("mail01", 6, EventType.STATUS);
        other.origin = "file:/logs/mail00/@4000000000000002.s";
        QmailEvent d = roundTrip(other);
        assertEquals("mail01", d.host);
        assertEquals("file:/logs/mail00/@4000000000000002.s", d.origin);
        QmailEvent e = roundTrip(a);
        assertEquals("mail00", e.host);
        assertEquals("file:/logs/mail00/@4000000000000001.s", e.origin);
        // a thread of its own reads its own strings, and the same values
        QmailEvent[] onThread = new QmailEvent[1];
        Thread t = new Thread(() -> {
            try {
                onThread[0] = roundTrip(a);
            } catch (Exception x) {
                throw new IllegalStateException(x);
            }
        });
        t.start();
        t.join();
        assertEquals("mail00", onThread[0].host);
        assertEquals(a.origin, onThread[0].origin);
        assertTrue(onThread[0].origin != e.origin, "each thread reads strings of its own");
    }

    @Test
    void everyEventOfTheRealCaptureRoundTrips() throws Exception {
        QmailLineParser p = new QmailLineParser(new ParserConfig());
        int n = 0;
        List<RawLine> lines = new ArrayList<>(Capture.multilog("mail"));
        lines.addAll(Capture.syslog());
        lines.addAll(Capture.smtpd("mail"));
        for (RawLine l : lines) {
            ParseOutcome o = p.parse(l);
            if (o.event == null) continue;
            assertSameFields(o.event, roundTrip(o.event));
            n++;
        }
        assertTrue(n >= 4526 * 2, "events: " + n);
    }

    @Test
    void theSnapshotRestoresTheSameSerializer() throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot(out, S.snapshotConfiguration());
        TypeSerializerSnapshot<QmailEvent> read = TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertEquals(S, read.restoreSerializer());
        TypeSerializerSchemaCompatibility<QmailEvent> c = S.snapshotConfiguration().resolveSchemaCompatibility(read);
        assertTrue(c.isCompatibleAsIs());
    }
}
