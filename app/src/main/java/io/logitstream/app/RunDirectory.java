package io.logitstream.app;

import java.nio.file.Path;

/**
 * Where the commands keep their local data: {@code .run/} of the checkout (the broker's and the
 * registry's data, logs, DJL's cache), so {@code rm -rf .run} resets everything and nothing lands
 * in the system's temporary folder, shared by every process on the host.
 */
final class RunDirectory {

    private RunDirectory() {
    }

    static Path root() {
        return LocalStack.root().resolve(".run");
    }

    /** Kafka Streams' {@code state.dir}: it keeps one subfolder per application id. */
    static Path streamsState() {
        return root().resolve("streams");
    }
}
