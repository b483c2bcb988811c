package io.qmailfleet.job.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmailfleet.job.model.SketchState;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.junit.jupiter.api.Test;

/**
 * A record's quantiles read from its values sorted: the sketch library's for every count of values
 * a sketch keeps exactly, with repeated values and NaN; exact up to the pending bound, where the
 * sketch's estimate is within its error; the sketch's once values are folded into one.
 */
class MeasuresQuantilesTest {
    /** What {@link Measures#finish} computed before: the library's sketch of the state. */
    private static double[] bySketch(SketchState st) {
        KllDoublesSketch s = Measures.sketch(st);
        double[] q = new double[Measures.RANKS.length];
        for (int i = 0; i < q.length; i++) q[i] = s.getQuantile(Measures.RANKS[i], QuantileSearchCriteria.INCLUSIVE);
        return q;
    }

    private static SketchState values(Random rnd, int n, int distinct, boolean nan) {
        SketchState st = null;
        for (int i = 0; i < n; i++) {
            double v = nan && rnd.nextInt(7) == 0 ? Double.NaN
                    : distinct > 0 ? rnd.nextInt(distinct) * 0.5 : rnd.nextDouble() * 3600;
            st = Measures.addValue(st, v);
        }
        return st;
    }

    @Test
    void everyCountASketchKeepsExactlyGivesTheLibrarysQuantiles() {
        Random rnd = new Random(11);
        for (int n = 1; n <= Measures.KLL_K; n++) {
            for (int round = 0; round < 20; round++) {
                SketchState st = values(rnd, n, round % 4 == 0 ? 3 : round % 4 == 1 ? 50 : 0, false);
                assertNotNull(Measures.exactSorted(st), "n=" + n);
                assertArrayEquals(bySketch(st), Measures.quantiles(st), "n=" + n + " round " + round);
            }
        }
    }

    @Test
    void nanIsLeftOutAsTheSketchLeavesItOut() {
        Random rnd = new Random(12);
        for (int n = 1; n <= Measures.KLL_K; n += 3) {
            SketchState st = values(rnd, n, 0, true);
            if (Measures.exactSorted(st) == null) continue; // all NaN: the sketch decides
            assertArrayEquals(bySketch(st), Measures.quantiles(st), "n=" + n);
        }
        SketchState onlyNan = Measures.addValue(null, Double.NaN);
        assertNull(Measures.exactSorted(onlyNan));
    }

    /** The first value (in order) of which at least {@code ceil(rank * n)} values are at most it, by counting. */
    private static double bruteForce(double[] values, double rank) {
        long need = Math.max(1, (long) Math.ceil(rank * values.length - 1e-9));
        double best = Double.NaN;
        for (double v : values) {
            long atMost = 0;
            for (double w : values) if (w <= v) atMost++;
            if (atMost >= need && (Double.isNaN(best) || v < best)) best = v;
        }
        return best;
    }

    @Test
    void upToThePendingBoundTheQuantilesAreExactAndTheSketchsWithinItsError() {
        Random rnd = new Random(13);
        for (int n : new int[] {Measures.KLL_K + 1, 333, 700, Measures.PENDING_MAX}) {
            double[] values = new double[n];
            SketchState st = null;
            for (int i = 0; i < n; i++) {
                values[i] = i % 3 == 0 ? rnd.nextInt(40) : rnd.nextDouble() * 600;
                st = Measures.addValue(st, values[i]);
            }
            assertNull(st.items, "not folded yet at n=" + n);
            double[] q = Measures.quantiles(st);
            double[] sketch = bySketch(st);
            for (int i = 0; i < q.length; i++) {
                double rank = Measures.RANKS[i];
                assertEquals(bruteForce(values, rank), q[i], "n=" + n + " rank " + rank);
                // the sketch's estimate: its rank among the values within the sketch's rank error
                long atMost = 0;
                for (double v : values) if (v <= sketch[i]) atMost++;
                assertTrue(Math.abs((double) atMost / n - rank) <= 0.03, "sketch n=" + n + " rank " + rank);
            }
        }
        // past the pending bound the values are folded into a sketch's items: the sketch estimates
        double[] many = new double[Measures.PENDING_MAX * 3];
        SketchState folded = null;
        for (int i = 0; i < many.length; i++) folded = Measures.addValue(folded, many[i] = rnd.nextDouble() * 600);
        assertNotNull(folded.items);
        assertNull(Measures.exactSorted(folded));
        double[] fq = Measures.quantiles(folded);
        for (int i = 0; i < fq.length; i++) {
            long atMost = 0;
            for (double v : many) if (v <= fq[i]) atMost++;
            assertTrue(Math.abs((double) atMost / many.length - Measures.RANKS[i]) <= 0.03, "folded rank " + Measures.RANKS[i]);
        }
        SketchState one = Measures.addValue(null, 42.0);
        assertArrayEquals(new double[] {42.0, 42.0, 42.0}, Measures.quantiles(one));
    }

    @Test
    void theIndexOfARankAmongSortedValues() {
        // ten values: the median is the fifth (its cumulative weight 5 reaches 0.5 * 10)
        assertEquals(4, Measures.exactIndex(0.50, 10));
        assertEquals(8, Measures.exactIndex(0.90, 10));
        assertEquals(9, Measures.exactIndex(0.99, 10));
        assertEquals(0, Measures.exactIndex(0.50, 1));
        assertEquals(0, Measures.exactIndex(0.0, 5));
        assertEquals(4, Measures.exactIndex(1.0, 5));
    }
}
