package io.logitstream.worker.kafka;

/**
 * The worker cannot go on with its clients as they are (fenced by a newer incarnation,
 * unauthorized, a transaction whose outcome cannot be known): it cancels its work, closes its
 * clients and stops. Nothing uncommitted was published, so the partitions' next owner serves it.
 */
final class FatalWorkerException extends RuntimeException {

    FatalWorkerException(String message, Throwable cause) {
        super(message, cause);
    }
}
