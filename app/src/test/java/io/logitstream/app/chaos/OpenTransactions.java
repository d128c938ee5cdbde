package io.logitstream.app.chaos;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;

/**
 * The transactions a process has open, as the transaction coordinator sees them. A process killed
 * while one is open leaves it to be aborted: by its successor under the same transactional id at
 * once, otherwise by the coordinator after {@code transaction.timeout.ms}; until then read_committed
 * readers of the partitions it wrote wait. A kill that should test that case waits for one first.
 */
final class OpenTransactions {

    private final Admin admin;
    private final String transactionalIdPrefix;

    /** Transactions whose transactional id starts with {@code transactionalIdPrefix} (Kafka Streams: the application id). */
    OpenTransactions(Admin admin, String transactionalIdPrefix) {
        this.admin = admin;
        this.transactionalIdPrefix = transactionalIdPrefix;
    }

    /** The transactional ids with a transaction open now. */
    List<String> ongoing() {
        try {
            return admin.listTransactions(new ListTransactionsOptions().filterStates(List.of(TransactionState.ONGOING)))
                    .all().get().stream().map(TransactionListing::transactionalId)
                    .filter(id -> id.startsWith(transactionalIdPrefix)).sorted().toList();
        } catch (ExecutionException e) {
            return List.of(); // the coordinator is loading: count it as none open
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing transactions", e);
        }
    }

    /**
     * Waits until none of {@code transactionalIds} has a transaction open any more (committed or
     * aborted) and returns when that was seen, epoch milliseconds; empty after {@code timeout}.
     */
    OptionalLong awaitEnded(List<String> transactionalIds, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ongoing().stream().anyMatch(transactionalIds::contains)) {
            if (System.nanoTime() > deadline) {
                return OptionalLong.empty();
            }
            Thread.sleep(50);
        }
        return OptionalLong.of(System.currentTimeMillis());
    }

    /** Waits up to {@code timeout} until a transaction is open; says whether one was. */
    boolean awaitOngoing(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (ongoing().isEmpty()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }
}
