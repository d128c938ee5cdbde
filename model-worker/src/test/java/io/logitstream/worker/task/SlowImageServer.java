package io.logitstream.worker.task;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTP server whose {@code /slow.png} answers only once the test says so (a URL that hangs),
 * and whose {@code /missing.png} answers 404 at once.
 */
public final class SlowImageServer implements AutoCloseable {
    private static final long GUARD_S = 120;

    private final HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final CountDownLatch fetchStarted = new CountDownLatch(1);
    private final CountDownLatch answer = new CountDownLatch(1);
    private final AtomicInteger answered = new AtomicInteger();

    public SlowImageServer(byte[] image) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        server.createContext("/slow.png", exchange -> {
            fetchStarted.countDown();
            try {
                if (answer.await(GUARD_S, TimeUnit.SECONDS)) {
                    exchange.sendResponseHeaders(200, image.length);
                    exchange.getResponseBody().write(image);
                    answered.incrementAndGet();
                }
            } catch (InterruptedException | IOException e) {
                // the client gave up: nothing to answer
            } finally {
                exchange.close();
            }
        });
        server.createContext("/missing.png", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
    }

    public String uri(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Waits (bounded) until a client has asked for {@code /slow.png}. */
    public boolean awaitFetchStarted() throws InterruptedException {
        return fetchStarted.await(GUARD_S, TimeUnit.SECONDS);
    }

    /** Lets {@code /slow.png} answer (every request waiting for it, and every later one). */
    public void answer() {
        answer.countDown();
    }

    /** How many {@code /slow.png} requests got their image. */
    public int answered() {
        return answered.get();
    }

    @Override
    public void close() {
        answer.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }
}
