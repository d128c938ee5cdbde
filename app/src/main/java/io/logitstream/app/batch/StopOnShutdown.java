package io.logitstream.app.batch;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a long command so that Ctrl-C (SIGINT, SIGTERM) stops it at a safe point instead of killing
 * it mid-send: the shutdown hook asks it to stop and holds the JVM until it has returned (state
 * saved, in-flight requests acknowledged), for at most 30 seconds.
 */
public final class StopOnShutdown {

    private StopOnShutdown() {
    }

    public static int run(Runnable stop, Callable<Integer> command) throws Exception {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.run();
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stop-on-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return command.call();
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook is running
            }
        }
    }
}
