package io.logitstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    /**
     * The "machine" and "versions" objects every results file carries: where the numbers were
     * measured and with what.
     */
    public static void describe(ObjectNode root, double foreignShare, String djlVersion, String libtorchVersion,
            JsonNode transformersSide) {
        ObjectNode machine = root.putObject("machine");
        machine.put("cpu", cpuModel());
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("cpu_flags", cpuFlags());
        machine.put("memory_gb", memoryGb());
        machine.put("os", os());
        machine.put("foreign_cpu_share", foreignShare);
        ObjectNode versions = root.putObject("versions");
        versions.put("java", BenchSetup.jvmDescription());
        versions.put("djl", djlVersion);
        versions.put("libtorch_ours", libtorchVersion);
        if (transformersSide != null) {
            versions.set("transformers_side", transformersSide);
        }
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
