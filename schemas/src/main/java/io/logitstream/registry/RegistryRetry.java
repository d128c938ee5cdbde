package io.logitstream.registry;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repeats a registry call that failed transiently ({@link SchemaRegistryException#isTransient()}:
 * unreachable, 408, 429, 5xx) with exponential backoff, a bounded number of times. Registrations and
 * lookups are idempotent in every Confluent-compatible registry, so repeating them is safe; the
 * typical case is Apicurio answering HTTP 500 when two workers register the same schema at the same
 * moment (a unique-index violation in its database), which the second attempt resolves.
 */
record RegistryRetry(int attempts, Duration firstBackoff, Duration maxBackoff) {

    private static final Logger log = LoggerFactory.getLogger(RegistryRetry.class);

    /** About 3 s of waiting in all: long enough for a lost race or a short hiccup, short for a caller's loop. */
    static final RegistryRetry DEFAULT = new RegistryRetry(6, Duration.ofMillis(100), Duration.ofMillis(1600));
    /** One attempt: for background revalidations, whose failure only postpones them. */
    static final RegistryRetry ONCE = new RegistryRetry(1, Duration.ZERO, Duration.ZERO);

    RegistryRetry {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, not " + attempts);
        }
    }

    <T> T call(String what, Supplier<T> call) {
        long backoffMs = firstBackoff.toMillis();
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (SchemaRegistryException e) {
                if (!e.isTransient() || attempt >= attempts) {
                    throw e;
                }
                if (attempt == 1) {
                    log.warn("Schema registry call failed ({}); retrying up to {} times with backoff: {}", what,
                            attempts - 1, e.getMessage());
                } else {
                    log.debug("Retry {} of {} to {} failed: {}", attempt - 1, attempts - 1, what, e.getMessage());
                }
                sleep(backoffMs, what, e);
                backoffMs = Math.min(backoffMs * 2, maxBackoff.toMillis());
            }
        }
    }

    private static void sleep(long millis, String what, SchemaRegistryException last) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while waiting to retry: " + what, last.httpStatus(),
                    last.errorCode(), last);
        }
    }
}
