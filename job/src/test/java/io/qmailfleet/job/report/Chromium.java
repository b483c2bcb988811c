package io.qmailfleet.job.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real headless Chromium (Debian package {@code chromium}) on a local file: no network, a fresh
 * profile per call. Returns what it printed on stdout (the DOM with {@code --dump-dom}) and its log
 * on stderr ({@code --enable-logging=stderr}: console messages and uncaught errors).
 */
final class Chromium {
    private Chromium() {}

    static final Path BINARY = Path.of("/usr/bin/chromium");

    record Run(int code, String stdout, String stderr) {}

    static void requireInstalled() {
        assertTrue(Files.isExecutable(BINARY), BINARY + " is missing: apt-get install chromium (.ci/run installs it)");
    }

    static Run run(Path work, Path page, String... extra) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
                "--disable-extensions", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"));
        cmd.addAll(List.of(extra));
        cmd.add(page.toUri().toString());
        Path out = work.resolve("chromium-" + System.nanoTime() + ".out");
        Path err = work.resolve("chromium-" + System.nanoTime() + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        // a generous bound for a loaded machine: this is a guard against a hung browser, not a timing assertion
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 300 s: " + cmd);
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
