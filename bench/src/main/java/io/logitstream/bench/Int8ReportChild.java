package io.logitstream.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.WeightMemory;
import io.logitstream.worker.engine.weights.WeightMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One load in a fresh JVM, for {@link Int8Report}: prints one line {@code rssAnonKb rssFileKb
 * weightBytes...} with the process's resident memory growth over the load and one forward, and the
 * tensor bytes by type. A process of its own per weight mode, because memory freed by a previous
 * load stays in the allocator's pools and would hide the next one's growth; the parent starts it
 * with a fixed glibc mmap threshold so that freed load-time temporaries go back to the system.
 */
public final class Int8ReportChild {
    private Int8ReportChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        WeightMode mode = WeightMode.valueOf(args[1]);
        Engine.getEngine("PyTorch");
        long[] before = rss();
        try (LoadedModel m = ModelLoader.load(dir, null, Device.cpu(), mode)) {
            // one forward, so that fp32 weights wrapped zero-copy around the file mapping are paged in (a
            // serving worker's steady state); mappings the int8 load only read through go once the GC drops them
            try (NDManager scope = m.model().manager().newSubManager();
                    ForwardOutput out = m.model().forward(ForwardInput.of(new int[] {1, 2, 3, 4, 5, 6, 7, 8}), scope)) {
                out.logits().toFloatArray();
            }
            System.gc();
            Thread.sleep(500);
            long[] after = rss();
            WeightMemory mem = WeightMemory.of(m.model());
            StringBuilder line = new StringBuilder("INT8REPORT ").append(after[0] - before[0]).append(' ')
                    .append(after[1] - before[1]);
            mem.bytesByType().forEach((t, b) -> line.append(' ').append(t).append('=').append(b));
            System.out.println(line);
        }
    }

    /** RssAnon and RssFile of this process in KiB (Linux). */
    static long[] rss() throws IOException {
        long anon = -1;
        long file = -1;
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("RssAnon:")) {
                anon = Long.parseLong(l.replaceAll("\\D", ""));
            } else if (l.startsWith("RssFile:")) {
                file = Long.parseLong(l.replaceAll("\\D", ""));
            }
        }
        return new long[] {anon, file};
    }
}
