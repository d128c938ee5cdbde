package io.logitstream.topology.validate;

import io.logitstream.contract.ImageLimits;
import io.logitstream.schema.ImageInput;
import io.logitstream.schema.PromptRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The contract of a request's {@code images}: at most {@link ImageLimits#MAX_IMAGES}, each with
 * exactly one of non-empty {@code data} or a {@code uri} with scheme https, http or file, inline
 * bytes within {@link ImageLimits#MAX_INLINE_BYTES} in total, a {@code mime_type} (when given)
 * of the form {@code image/...}. Whether the model reads images is the worker's question.
 */
final class ImageInputRules {
    private static final Set<String> SCHEMES = Set.of("https", "http", "file");

    private ImageInputRules() {
    }

    static void check(PromptRequest r, List<String> problems) {
        List<ImageInput> images = r.getImages();
        if (images == null) {
            return;
        }
        if (images.isEmpty()) {
            problems.add("images is empty: leave it unset for a text-only request");
        }
        if (images.size() > ImageLimits.MAX_IMAGES) {
            problems.add("at most " + ImageLimits.MAX_IMAGES + " images, got " + images.size());
        }
        long inline = 0;
        for (int i = 0; i < images.size(); i++) {
            ImageInput image = images.get(i);
            String at = "images[" + i + "]";
            if (image == null) {
                problems.add(at + " is null");
                continue;
            }
            boolean hasData = image.getData() != null;
            boolean hasUri = image.getUri() != null;
            if (hasData == hasUri) {
                problems.add(at + " must set exactly one of data and uri");
            }
            if (hasData) {
                int size = image.getData().remaining();
                inline += size;
                if (size == 0) {
                    problems.add(at + ".data is empty");
                }
            }
            if (hasUri) {
                checkUri(at, image.getUri(), problems);
            }
            String mime = image.getMimeType();
            if (mime != null && !mime.toLowerCase(Locale.ROOT).startsWith("image/")) {
                problems.add(at + ".mime_type '" + mime + "' is not an image type (image/png, image/jpeg, ...)");
            }
        }
        if (inline > ImageLimits.MAX_INLINE_BYTES) {
            problems.add("inline image data is " + inline + " bytes, at most " + ImageLimits.MAX_INLINE_BYTES
                    + " (768 KiB, to stay under Kafka's 1 MiB message size): reference larger images by uri");
        }
        if (r.getInputIds() != null && !images.isEmpty()) {
            problems.add("images need text or messages (whose <image> placeholders the worker expands), not input_ids");
        }
    }

    private static void checkUri(String at, String uri, List<String> problems) {
        if (uri.length() > ImageLimits.MAX_URI_LENGTH) {
            problems.add(at + ".uri is longer than " + ImageLimits.MAX_URI_LENGTH + " characters");
            return;
        }
        try {
            URI parsed = new URI(uri);
            String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
            if (!SCHEMES.contains(scheme)) {
                problems.add(at + ".uri '" + uri + "' must be https://, http:// or file://");
            } else if (scheme.equals("file") ? parsed.getPath() == null || parsed.getPath().isEmpty()
                    : parsed.getHost() == null) {
                problems.add(at + ".uri '" + uri + "' names no " + (scheme.equals("file") ? "path" : "host"));
            }
        } catch (URISyntaxException e) {
            problems.add(at + ".uri is not a URI: " + e.getMessage());
        }
    }
}
