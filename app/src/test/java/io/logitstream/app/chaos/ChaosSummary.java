package io.logitstream.app.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalDouble;

/**
 * The chaos suite's summary table: one row per scenario, appended to {@code target/chaos-summary.txt}
 * and printed whole after each row. The first row of a test JVM starts the file afresh, so it holds
 * the scenarios of one run (surefire runs them all in one reused fork).
 */
final class ChaosSummary {

    private static final Path FILE = Path.of("target", "chaos-summary.txt");
    private static final String FORMAT = "%-22s %8s %5s %10s %6s %6s %10s %20s %8s%n";

    private static boolean started;

    private ChaosSummary() {
    }

    static synchronized void record(String scenario, FaultRun.Outcome outcome) {
        String row = String.format(FORMAT, scenario, outcome.requests(), outcome.lost(), outcome.duplicated(),
                outcome.notOk(), outcome.stalls(),
                seconds(outcome.recoverySeconds()),
                seconds(outcome.servedFromKillSeconds()) + "/" + seconds(outcome.servedFromRestartSeconds()),
                String.format("%.1f", outcome.allAnsweredSeconds()));
        try {
            Files.createDirectories(FILE.getParent());
            if (!started) {
                started = true;
                Files.writeString(FILE, String.format(FORMAT, "scenario", "requests", "lost", "duplicated", "not_ok",
                        "stalls", "recovery_s", "served_s(kill/restart)", "total_s"), StandardCharsets.UTF_8);
            }
            Files.writeString(FILE, row, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            System.out.print("CHAOS SUMMARY TABLE (" + FILE.toAbsolutePath() + ")\n" + Files.readString(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String seconds(OptionalDouble value) {
        return value.isPresent() ? String.format("%.1f", value.getAsDouble()) : "none";
    }
}
