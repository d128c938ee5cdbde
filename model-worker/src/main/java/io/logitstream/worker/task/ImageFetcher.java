package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.contract.ImageLimits;
import io.logitstream.schema.ImageInput;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The bytes of a request's image: inline {@code data} as sent, or fetched from its {@code uri}:
 * {@code https://} / {@code http://} (10 s timeout), or {@code file://} under one of the directories
 * the worker may read (a volume the producers share; any other path is refused, so a request cannot
 * read the worker's own files). At most {@code maxBytes} per image.
 *
 * <p>Settings (system properties): {@code logitstream.images.max-fetch-bytes} (default 20 MiB),
 * {@code logitstream.images.dirs} (directories separated by the path separator; the environment
 * variable {@code LOGITSTREAM_IMAGE_DIRS} when unset; none by default), {@code logitstream.images.http}
 * ({@code false} refuses http(s) uris).
 *
 * <p>The serving scheduler fetches on its image threads ({@code serving.ImageStage}), never on the
 * serving thread; a fetch answers an interrupt (its request was cancelled) by giving up. Safe for
 * concurrent use.
 */
public final class ImageFetcher {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final long maxBytes;
    private final List<Path> roots;
    private final boolean http;
    private HttpClient client;

    public ImageFetcher(long maxBytes, List<Path> roots, boolean http) {
        this.maxBytes = maxBytes;
        this.roots = roots.stream().map(ImageFetcher::real).toList();
        this.http = http;
    }

    /** The settings from system properties and the environment (see the class comment). */
    public static ImageFetcher fromSystem() {
        long max = Long.getLong("logitstream.images.max-fetch-bytes", ImageLimits.DEFAULT_MAX_FETCH_BYTES);
        String dirs = System.getProperty("logitstream.images.dirs", System.getenv("LOGITSTREAM_IMAGE_DIRS"));
        List<Path> roots = new ArrayList<>();
        if (dirs != null) {
            for (String d : dirs.split(java.io.File.pathSeparator)) {
                if (!d.isBlank()) {
                    roots.add(Paths.get(d.trim()));
                }
            }
        }
        return new ImageFetcher(max, roots, !"false".equals(System.getProperty("logitstream.images.http")));
    }

    public byte[] bytes(ImageInput image, int index) {
        if (image.getData() != null) {
            ByteBuffer data = image.getData().duplicate();
            byte[] out = new byte[data.remaining()];
            data.get(out);
            return out;
        }
        String uri = image.getUri();
        if (uri == null) {
            throw invalid("images[" + index + "] has neither data nor uri");
        }
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (java.net.URISyntaxException e) {
            throw invalid("images[" + index + "].uri is not a URI: " + e.getMessage());
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "file" -> file(parsed, index);
            case "http", "https" -> download(parsed, index);
            default -> throw invalid("images[" + index + "].uri '" + uri + "': only https, http and file uris");
        };
    }

    /** The path with symbolic links resolved (so a link inside an allowed directory cannot lead out of it). */
    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private byte[] file(URI uri, int index) {
        Path path = real(Paths.get(uri));
        if (roots.stream().noneMatch(path::startsWith)) {
            throw invalid("images[" + index + "].uri " + uri + " is outside the directories this worker reads images "
                    + "from (" + (roots.isEmpty() ? "none configured: set logitstream.images.dirs or "
                    + "LOGITSTREAM_IMAGE_DIRS" : roots) + ")");
        }
        try {
            long size = Files.size(path);
            if (size > maxBytes) {
                throw tooLarge(index, size);
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw invalid("images[" + index + "]: cannot read " + uri + ": " + e);
        }
    }

    private byte[] download(URI uri, int index) {
        if (!http) {
            throw invalid("images[" + index + "].uri " + uri + ": this worker does not fetch http(s) images");
        }
        try {
            HttpResponse<InputStream> response = client().send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    throw invalid("images[" + index + "]: GET " + uri + " answered " + response.statusCode());
                }
                byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (bytes.length > maxBytes) {
                    throw tooLarge(index, bytes.length);
                }
                return bytes;
            }
        } catch (IOException e) {
            throw invalid("images[" + index + "]: cannot fetch " + uri + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw invalid("images[" + index + "]: interrupted while fetching " + uri);
        }
    }

    private synchronized HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build();
        }
        return client;
    }

    private TaskException tooLarge(int index, long size) {
        return invalid("images[" + index + "] is " + (size > maxBytes ? "over " : "") + maxBytes
                + " bytes, the most this worker fetches per image (logitstream.images.max-fetch-bytes)");
    }

    private static TaskException invalid(String message) {
        return new TaskException(ErrorCodes.INVALID_INPUT, message);
    }
}
