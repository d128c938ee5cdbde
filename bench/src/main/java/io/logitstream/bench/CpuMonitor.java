package io.logitstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * How much of the machine other processes used while we measured: busy CPU time of the whole
 * machine (/proc/stat) minus the CPU time of this JVM and of the Python reference process
 * (/proc/PID/stat). On a shared 2-core machine another build using one core halves (or worse:
 * OpenMP threads wait on each other) both engines' throughput, so the report states it.
 * Linux only; elsewhere every share is NaN.
 */
public final class CpuMonitor {
    private final List<Long> pids;

    /** A reading: machine busy / total ticks and our processes' ticks. */
    public record Sample(long busy, long total, long own, long nanos) {
    }

    public CpuMonitor(List<Long> pids) {
        this.pids = new CopyOnWriteArrayList<>(pids);
    }

    /**
     * Counts another process of ours (a broker, a worker). Compare only samples taken while the same
     * processes ran: one that starts between two samples adds its start-up CPU to ours.
     */
    public void watch(long pid) {
        pids.add(pid);
    }

    /** Stops counting a process (before it exits, so that its CPU time does not vanish from ours). */
    public void forget(long pid) {
        pids.remove(Long.valueOf(pid));
    }

    public Sample sample() {
        long busy = -1;
        long total = -1;
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal guest guest_nice
            long user = Long.parseLong(f[1]);
            long nice = Long.parseLong(f[2]);
            long system = Long.parseLong(f[3]);
            long idle = Long.parseLong(f[4]);
            long iowait = Long.parseLong(f[5]);
            long irq = Long.parseLong(f[6]);
            long softirq = Long.parseLong(f[7]);
            long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
            busy = user + nice + system + irq + softirq + steal;
            total = busy + idle + iowait;
        } catch (IOException | RuntimeException e) {
            // not Linux: no accounting
        }
        long own = 0;
        for (long pid : pids) {
            own += processTicks(pid);
        }
        return new Sample(busy, total, own, System.nanoTime());
    }

    /** Share of the machine's CPU capacity used by other processes between two samples (0..1, NaN if unknown). */
    public static double foreignShare(Sample a, Sample b) {
        if (a.busy < 0 || b.busy < 0 || b.total <= a.total) {
            return Double.NaN;
        }
        long foreign = (b.busy - a.busy) - (b.own - a.own);
        return Math.max(0, Math.min(1, (double) foreign / (b.total - a.total)));
    }

    /**
     * Waits until other processes use at most {@code maxShare} of the CPUs over a 1 s window, for at
     * most {@code maxWaitSeconds} (0: do not wait). Returns the last measured share (NaN if none).
     */
    public double waitForQuiet(double maxShare, double maxWaitSeconds) throws InterruptedException {
        if (maxWaitSeconds <= 0) {
            return Double.NaN;
        }
        long deadline = System.nanoTime() + (long) (maxWaitSeconds * 1e9);
        double share;
        do {
            Sample a = sample();
            Thread.sleep(1000);
            share = foreignShare(a, sample());
        } while (!Double.isNaN(share) && share > maxShare && System.nanoTime() < deadline);
        return share;
    }

    private static long processTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // the command name may contain spaces: fields start after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            // f[0] is field 3 (state); utime = field 14, stime = field 15
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
