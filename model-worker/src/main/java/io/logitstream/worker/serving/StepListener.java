package io.logitstream.worker.serving;

/**
 * Told how long each step of the running batch took (admission, one forward, handing out logits),
 * for a latency histogram. Called on the serving thread between steps: it must only record.
 */
@FunctionalInterface
public interface StepListener {

    StepListener NONE = nanos -> { };

    void stepped(long nanos);
}
