package io.logitstream.worker.serving;

import io.logitstream.worker.task.PreparedImages;
import io.logitstream.worker.task.TaskRouter;
import io.logitstream.worker.task.WorkItem;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches, decodes and tiles the images of requests before the serving thread plans them, on a few
 * threads of its own, so a slow URL delays only its own request, never the running batch's steps.
 * Bounded twice: at most {@code threads} preparations at once (each holds at most one fetched image
 * of {@code logitstream.images.max-fetch-bytes} and its decoded pixels), and prepared tiles waiting
 * for the serving thread hold at most {@code maxPreparedBytes} (a preparation that would pass it
 * waits before handing over; one alone always passes).
 *
 * <p>Settings (system properties): {@code logitstream.images.fetch-threads} (default 4),
 * {@code logitstream.images.max-prepared-bytes} (default 256 MiB).
 */
final class ImageStage implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ImageStage.class);

    /** How many images are prepared at once and how many bytes of prepared tiles may wait. */
    record Settings(int threads, long maxPreparedBytes) {
        static final int DEFAULT_THREADS = 4;
        static final long DEFAULT_MAX_PREPARED_BYTES = 256L << 20;

        Settings {
            if (threads < 1 || maxPreparedBytes < 1) {
                throw new IllegalArgumentException("image stage needs threads >= 1 and max-prepared-bytes >= 1, not "
                        + threads + " and " + maxPreparedBytes);
            }
        }

        static Settings fromSystem() {
            return new Settings(Integer.getInteger("logitstream.images.fetch-threads", DEFAULT_THREADS),
                    Long.getLong("logitstream.images.max-prepared-bytes", DEFAULT_MAX_PREPARED_BYTES));
        }
    }

    /**
     * The outcome of one preparation: the images, or the failure that becomes the request's error
     * result when it is planned. {@code bytes} are held in the budget until {@link #release}.
     */
    record Prepared(PreparedImages images, RuntimeException failure, long bytes) {
        PreparedImages get() {
            if (failure != null) {
                throw failure;
            }
            return images;
        }
    }

    private final TaskRouter router;
    private final ByteBudget budget;
    private final ExecutorService threads;

    ImageStage(TaskRouter router, Settings settings) {
        this.router = router;
        this.budget = new ByteBudget(settings.maxPreparedBytes());
        AtomicInteger n = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(settings.threads(), settings.threads(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "images-" + router.modelName() + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        log.info("Preparing images for {} on {} threads, up to {} bytes of tiles waiting", router.modelName(),
                settings.threads(), settings.maxPreparedBytes());
    }

    /**
     * Prepares the images of {@code item} (which {@link TaskRouter#takesImages takes images}) and hands
     * the outcome to {@code ready} on a stage thread. Cancelling the returned future interrupts a
     * fetch under way; an interrupted preparation hands nothing over.
     */
    Future<?> prepare(WorkItem item, Consumer<Prepared> ready) {
        return threads.submit(() -> {
            Prepared prepared = prepareNow(item);
            try {
                budget.acquire(prepared.bytes());
            } catch (InterruptedException e) {
                return; // cancelled or closing: nobody takes it
            }
            if (Thread.currentThread().isInterrupted()) {
                budget.release(prepared.bytes());
                return;
            }
            ready.accept(prepared);
        });
    }

    private Prepared prepareNow(WorkItem item) {
        try {
            PreparedImages images = router.prepareImages(item.request());
            return new Prepared(images, null, images.bytes());
        } catch (RuntimeException e) {
            return new Prepared(null, e, 0);
        } catch (Error e) {
            // an image too large for the heap fails its request, not the stage
            return new Prepared(null, new IllegalStateException(e.toString(), e), 0);
        }
    }

    /** Gives back the budget of an outcome once the serving thread is done with its tiles. */
    void release(Prepared prepared) {
        budget.release(prepared.bytes());
    }

    /** Bytes of prepared tiles handed over and not released yet. */
    long heldBytes() {
        return budget.held();
    }

    /** Requests being prepared or waiting for a stage thread. */
    int preparing() {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) threads;
        return pool.getActiveCount() + pool.getQueue().size();
    }

    /** Interrupts every preparation under way; none hands anything over afterwards. */
    @Override
    public void close() {
        threads.shutdownNow();
    }
}
