package io.logitstream.bench.serve;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a run started (the stack, processes, clients), closed in reverse order exactly once: at the
 * end of the run, or by a shutdown hook when the bench is interrupted (Ctrl-C), so no broker or
 * worker process outlives it.
 */
public final class Resources implements AutoCloseable {
    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private final Thread hook = new Thread(this::closeAll, "bench-serve-cleanup");

    public Resources() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    public synchronized <T extends AutoCloseable> T add(T resource) {
        open.push(resource);
        return resource;
    }

    /** Closes one resource now (and forgets it). */
    public void close(AutoCloseable resource) throws Exception {
        synchronized (this) {
            if (!open.remove(resource)) {
                return;
            }
        }
        resource.close();
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook runs closeAll
        }
        closeAll();
    }

    private void closeAll() {
        while (true) {
            AutoCloseable next;
            synchronized (this) {
                next = open.poll();
            }
            if (next == null) {
                return;
            }
            try {
                next.close();
            } catch (Exception e) {
                System.err.println("closing " + next + " failed: " + e);
            }
        }
    }
}
