package io.logitstream.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.ImageInput;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Where image bytes come from: inline, a local HTTP server, files under the allowed directories only. */
class ImageFetcherTest {
    private static final byte[] IMAGE = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    private HttpServer server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/img.png", exchange -> {
            exchange.sendResponseHeaders(200, IMAGE.length);
            exchange.getResponseBody().write(IMAGE);
            exchange.close();
        });
        server.createContext("/missing.png", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static ImageInput uri(String uri) {
        return ImageInput.newBuilder().setUri(uri).build();
    }

    @Test
    void inlineDataAndHttpDownloadsGiveTheBytes() {
        ImageFetcher fetcher = new ImageFetcher(1024, List.of(), true);
        assertThat(fetcher.bytes(ImageInput.newBuilder().setData(ByteBuffer.wrap(IMAGE)).build(), 0)).isEqualTo(IMAGE);
        assertThat(fetcher.bytes(uri(base + "/img.png"), 0)).isEqualTo(IMAGE);
    }

    @Test
    void httpErrorsSizeCapAndDisabledHttpAreInvalidInput() {
        assertThatThrownBy(() -> new ImageFetcher(1024, List.of(), true).bytes(uri(base + "/missing.png"), 2))
                .isInstanceOf(TaskException.class).hasMessageContaining("images[2]").hasMessageContaining("404")
                .extracting(e -> ((TaskException) e).code()).isEqualTo(ErrorCodes.INVALID_INPUT);
        assertThatThrownBy(() -> new ImageFetcher(5, List.of(), true).bytes(uri(base + "/img.png"), 0))
                .hasMessageContaining("over 5 bytes");
        assertThatThrownBy(() -> new ImageFetcher(1024, List.of(), false).bytes(uri(base + "/img.png"), 0))
                .hasMessageContaining("does not fetch http(s) images");
    }

    @Test
    void filesAreReadOnlyUnderTheConfiguredDirectories() throws Exception {
        Path dir = Files.createTempDirectory("images");
        Path inside = Files.write(dir.resolve("a.png"), IMAGE);
        Path outside = Files.createTempFile("elsewhere", ".png");
        ImageFetcher fetcher = new ImageFetcher(1024, List.of(dir), true);

        assertThat(fetcher.bytes(uri(inside.toUri().toString()), 0)).isEqualTo(IMAGE);
        assertThatThrownBy(() -> fetcher.bytes(uri(outside.toUri().toString()), 0))
                .hasMessageContaining("outside the directories");
        assertThatThrownBy(() -> fetcher.bytes(uri(dir.resolve("../" + outside.getFileName()).toUri().toString()), 0))
                .as("no escaping with ..").hasMessageContaining("outside the directories");
        Path link = Files.createSymbolicLink(dir.resolve("link.png"), outside);
        assertThatThrownBy(() -> fetcher.bytes(uri(link.toUri().toString()), 0))
                .as("nor with a symbolic link").hasMessageContaining("outside the directories");
        assertThatThrownBy(() -> new ImageFetcher(4, List.of(dir), true).bytes(uri(inside.toUri().toString()), 0))
                .hasMessageContaining("over 4 bytes");
    }
}
