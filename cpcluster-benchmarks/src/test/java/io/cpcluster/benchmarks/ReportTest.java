package io.cpcluster.benchmarks;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The goal column's note: verdicts go by the ratio, and goals a run's {@code ±} cannot decide are named. */
class ReportTest {
    @Test
    void anIntervalOnBothSidesOfTheGoalStraddlesIt() {
        // README's 1 KiB one-way row of the last run: 0.58× ± 0.28 against ≥ 0.8×.
        assertTrue(Report.straddles(0.58, 0.28, 0.8));
        assertTrue(Report.straddles(1.16, 0.90, 0.95));
    }

    @Test
    void anIntervalOnOneSideOrNoneDoesNotStraddle() {
        // 16 callers: 1.40× ± 0.32 against ≥ 1.0×, wholly above.
        assertFalse(Report.straddles(1.40, 0.32, 1.0));
        assertFalse(Report.straddles(0.56, 0.10, 0.8));
        assertFalse(Report.straddles(1.30, Double.NaN, 1.2));
    }

    @Test
    void theNoteNamesTheRowsItCannotDecide() {
        String note = Report.verdictNote(List.of("one-way 1 KiB, ops/s (0.58× ± 0.28, goal ≥ 0.8×)"));
        assertTrue(note.startsWith("Met or missed goes by the ratio itself"), note);
        assertTrue(note.contains("cannot tell met from missed for: one-way 1 KiB, ops/s (0.58× ± 0.28, goal ≥ 0.8×)."),
                note);
        assertTrue(Report.verdictNote(List.of()).contains("No goal's `±` reaches across its goal"));
    }
}
