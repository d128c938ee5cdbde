package io.logitstream.gateway.metrics;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * An exchange that says when its answer is over, whichever thread ends it: the gateway answers many
 * requests after the handler has returned (when the result arrives from Kafka, or at the end of a
 * stream), so the end is when the response body or the exchange is closed, not when the handler
 * returns. {@code onEnd} gets the status sent (-1 when none was) once.
 */
final class ObservedExchange extends HttpExchange {

    private final HttpExchange delegate;
    private final IntConsumer onEnd;
    private final AtomicBoolean ended = new AtomicBoolean();

    ObservedExchange(HttpExchange delegate, IntConsumer onEnd) {
        this.delegate = delegate;
        this.onEnd = onEnd;
    }

    private void end() {
        if (ended.compareAndSet(false, true)) {
            onEnd.accept(delegate.getResponseCode());
        }
    }

    @Override
    public void close() {
        try {
            delegate.close();
        } finally {
            end();
        }
    }

    @Override
    public OutputStream getResponseBody() {
        return new FilterOutputStream(delegate.getResponseBody()) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length); // FilterOutputStream would write byte by byte
            }

            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    end();
                }
            }
        };
    }

    @Override
    public Headers getRequestHeaders() {
        return delegate.getRequestHeaders();
    }

    @Override
    public Headers getResponseHeaders() {
        return delegate.getResponseHeaders();
    }

    @Override
    public URI getRequestURI() {
        return delegate.getRequestURI();
    }

    @Override
    public String getRequestMethod() {
        return delegate.getRequestMethod();
    }

    @Override
    public HttpContext getHttpContext() {
        return delegate.getHttpContext();
    }

    @Override
    public InputStream getRequestBody() {
        return delegate.getRequestBody();
    }

    @Override
    public void sendResponseHeaders(int status, long length) throws IOException {
        delegate.sendResponseHeaders(status, length);
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return delegate.getRemoteAddress();
    }

    @Override
    public int getResponseCode() {
        return delegate.getResponseCode();
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return delegate.getLocalAddress();
    }

    @Override
    public String getProtocol() {
        return delegate.getProtocol();
    }

    @Override
    public Object getAttribute(String name) {
        return delegate.getAttribute(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        delegate.setAttribute(name, value);
    }

    @Override
    public void setStreams(InputStream in, OutputStream out) {
        delegate.setStreams(in, out);
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return delegate.getPrincipal();
    }
}
