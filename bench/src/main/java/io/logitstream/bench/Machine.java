package io.logitstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Host facts for the report header. */
public final class Machine {
    private Machine() {
    }

    public static String cpuModel() {
        return procField("/proc/cpuinfo", "model name").orElse(System.getProperty("os.arch"));
    }

    public static String cpuFlags() {
        String flags = procField("/proc/cpuinfo", "flags").orElse("");
        List<String> simd = new ArrayList<>();
        for (String f : flags.split(" ")) {
            if (f.equals("avx") || f.equals("avx2") || f.equals("fma") || f.startsWith("avx512")
                    || f.equals("amx_tile")) {
                simd.add(f);
            }
        }
        return simd.isEmpty() ? "no AVX" : String.join(" ", simd);
    }

    public static long memoryGb() {
        return procField("/proc/meminfo", "MemTotal").map(s -> Long.parseLong(s.replaceAll("[^0-9]", "")) / 1024 / 1024)
                .orElse(-1L);
    }

    public static String os() {
        return System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    private static Optional<String> procField(String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                int c = line.indexOf(':');
                if (c > 0 && line.substring(0, c).trim().equals(key)) {
                    return Optional.of(line.substring(c + 1).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Optional.empty();
    }
}
