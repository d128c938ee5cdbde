package io.logitstream.worker.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bound on prepared image bytes: a claim waits for room, one alone always passes. */
class ByteBudgetTest {

    @Test
    void aClaimPastTheLimitWaitsUntilBytesAreReleased() throws Exception {
        ByteBudget budget = new ByteBudget(100);
        budget.acquire(60);
        Thread waiter = new Thread(() -> {
            try {
                budget.acquire(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        awaitState(waiter, Thread.State.WAITING);
        assertThat(budget.held()).isEqualTo(60);

        budget.release(60);
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(waiter.isAlive()).isFalse();
        assertThat(budget.held()).isEqualTo(50);
    }

    @Test
    void aClaimLargerThanTheLimitPassesAloneAndAnInterruptedWaitHoldsNothing() throws Exception {
        ByteBudget budget = new ByteBudget(100);
        budget.acquire(500);
        assertThat(budget.held()).isEqualTo(500);

        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                budget.acquire(1);
                interrupted.complete(false);
            } catch (InterruptedException e) {
                interrupted.complete(true);
            }
        });
        waiter.start();
        awaitState(waiter, Thread.State.WAITING);
        waiter.interrupt();
        assertThat(interrupted.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(budget.held()).isEqualTo(500);
        budget.release(500);
        assertThat(budget.held()).isZero();
    }

    private static void awaitState(Thread thread, Thread.State state) throws InterruptedException {
        for (int i = 0; i < 30_000 && thread.getState() != state; i++) {
            Thread.sleep(1);
        }
        assertThat(thread.getState()).isEqualTo(state);
    }
}
