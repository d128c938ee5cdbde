package io.logitstream.worker.kafka;

import io.logitstream.worker.task.RequestExecutor;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka side of a model worker: one member of the consumer group of its model, feeding a
 * {@link RequestExecutor} and publishing its answers.
 *
 * <p><b>Flow.</b> The poll thread decodes each record and submits it at once; requests compute
 * concurrently and finish in any order. The worker pauses its partitions only when
 * {@code maxInflight} requests are admitted and not yet published, and keeps polling meanwhile, so a
 * long generation never exceeds {@code max.poll.interval.ms}.
 *
 * <p><b>Delivery: exactly once for final results.</b> Whatever answers are ready are written, with
 * the dead letters of undecodable records, in one producer transaction together with the consumed
 * offsets. Because requests finish out of order, a partition's committed offset is its first
 * incomplete offset, and the offsets completed beyond it are carried in the commit's metadata
 * ({@link CompletedOffsetsCodec}); a worker that takes the partition over (or this one, restarted)
 * reads them and skips those records. A transaction that fails is aborted and its answers are
 * published again in the next one, never recomputed; a crash loses only uncommitted work, which the
 * next owner serves. Fencing, authorization and sequence errors stop the worker ({@link #failed()}).
 *
 * <p><b>Bounded metadata.</b> The completed set must fit {@code offset.metadata.max.bytes}. A record
 * further than {@link CompletedOffsetsCodec#span()} offsets past its partition's first incomplete
 * offset is not admitted: the consumer seeks back to it and the partition pauses until the head
 * completes. Nothing is dropped; that partition just stops running ahead.
 *
 * <p><b>Rebalances and stopping.</b> Partitions given up (revoked, or all of them on {@link #stop()})
 * get up to {@code revokeWait} for their requests in flight; what finished is committed, the rest is
 * cancelled and stays uncommitted, so the next owner serves it once. A late answer for a partition
 * this worker no longer owns is dropped.
 *
 * <p><b>Token chunks</b> go through a separate idempotent producer, outside the transaction, as
 * they are produced; a request served again after a crash or a handover may stream its chunks
 * again, and readers dedupe on (request_id, seq).
 *
 * <p>The worker owns the executor and the clients it is given and closes them when it stops.
 */
public final class KafkaModelWorker implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaModelWorker.class);

    private final PollLoop loop;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean failed;

    /** A worker with the real Kafka clients, configured from {@code settings}. */
    public KafkaModelWorker(WorkerSettings settings, RequestExecutor executor) {
        this(settings, executor, KafkaClients.of(settings));
    }

    public KafkaModelWorker(WorkerSettings settings, RequestExecutor executor, KafkaClients clients) {
        this.loop = new PollLoop(settings, executor, clients);
    }

    /** Serves until {@link #stop()} or a fatal error; then finishes, commits and closes everything. */
    @Override
    public void run() {
        if (!started.compareAndSet(false, true)) {
            if (stopping.get()) {
                return; // closed before it ran
            }
            throw new IllegalStateException("A worker runs once");
        }
        try {
            loop.start();
            while (!stopping.get()) {
                loop.pollOnce();
            }
            loop.finish();
        } catch (FatalWorkerException e) {
            failed = true;
            log.error("Worker stops: {}", e.getMessage(), e.getCause());
            loop.abandon();
        } catch (RuntimeException e) {
            failed = true;
            log.error("Worker stops on an unexpected error", e);
            loop.abandon();
            throw e;
        } finally {
            loop.close();
            stopped.countDown();
        }
    }

    /** Asks the worker to stop: within a poll interval it finishes what is near, commits and closes. */
    public void stop() {
        stopping.set(true);
    }

    /** True when the worker stopped on a fatal error (for example, fenced by a newer incarnation). */
    public boolean failed() {
        return failed;
    }

    /** Stops the worker and waits for it to finish (its revoke wait plus a commit). */
    @Override
    public void close() {
        stop();
        if (started.compareAndSet(false, true)) {
            loop.close(); // never ran: only the clients and the executor to close
            stopped.countDown();
            return;
        }
        try {
            if (!stopped.await(60, TimeUnit.SECONDS)) {
                log.warn("Worker did not stop within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
