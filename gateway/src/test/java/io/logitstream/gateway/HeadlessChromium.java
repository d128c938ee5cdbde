package io.logitstream.gateway;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium} in headless mode, as a test's browser: the DOM after the page's scripts
 * ran ({@code --dump-dom}) and a screenshot. {@code --virtual-time-budget} lets the page's fetches
 * and timers run before either is taken.
 */
final class HeadlessChromium {

    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");

    private final Path binary;
    private final Path profile;

    private HeadlessChromium(Path binary, Path profile) {
        this.binary = binary;
        this.profile = profile;
    }

    /** The browser on the PATH, if one is installed. */
    static Optional<HeadlessChromium> find() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : NAMES) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(new HeadlessChromium(candidate, Files.createTempDirectory("chromium-profile")));
                }
            }
        }
        return Optional.empty();
    }

    String dumpDom(String url) throws IOException, InterruptedException {
        return run("--dump-dom", url);
    }

    void screenshot(String url, Path png, int width, int height) throws IOException, InterruptedException {
        run("--screenshot=" + png, "--window-size=" + width + "," + height, "--hide-scrollbars", url);
        if (!Files.isRegularFile(png)) {
            throw new AssertionError("chromium wrote no screenshot to " + png);
        }
    }

    private String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                "--virtual-time-budget=5000"));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("chromium", ".log");
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s: " + command);
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("chromium exited with " + process.exitValue() + ": " + Files.readString(log));
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
