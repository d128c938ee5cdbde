package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.contract.ImageLimits;
import io.logitstream.schema.ImageInput;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The images of a chat request's {@code image_url} parts, in the order the parts come, as the
 * contract's {@code images}: a data URL becomes inline {@code data} with its mime type, an
 * {@code https://}, {@code http://} or {@code file://} URL a {@code uri} the worker fetches. The
 * limits of {@link ImageLimits} are checked here so that a client learns of a broken one from a
 * 400 naming the part, not from the topology's dead letter about {@code images[i]}.
 */
final class ChatImages {

    private static final List<String> URI_SCHEMES = List.of("https://", "http://", "file://");

    /** One image as parsed; each choice's request gets its own ImageInput over the same bytes. */
    private record Image(byte[] data, String uri, String mimeType) {
    }

    private final List<Image> images = new ArrayList<>();
    private long inlineBytes;

    /**
     * Adds the image of one {@code {"type": "image_url", "image_url": {"url": ..., "detail": ...}}}
     * part ({@code detail} is accepted and ignored: InternVL tiles every image the same way).
     *
     * @param param where the part is, e.g. {@code messages[0].content[1]}, for errors
     */
    void add(JsonNode part, String param) {
        JsonNode imageUrl = part.get("image_url");
        if (imageUrl == null || !imageUrl.isObject() || !imageUrl.path("url").isTextual()) {
            throw ApiError.invalid(param + ".image_url", "an image_url part needs \"image_url\": {\"url\": ...}");
        }
        String url = imageUrl.get("url").asText().strip();
        String urlParam = param + ".image_url.url";
        if (images.size() == ImageLimits.MAX_IMAGES) {
            throw ApiError.invalid(urlParam, "at most " + ImageLimits.MAX_IMAGES + " images per request");
        }
        if (DataUrl.isDataUrl(url)) {
            addInline(DataUrl.parse(url, urlParam), urlParam);
        } else {
            addUri(url, urlParam);
        }
    }

    private void addInline(DataUrl image, String param) {
        inlineBytes += image.bytes().length;
        if (inlineBytes > ImageLimits.MAX_INLINE_BYTES) {
            throw ApiError.invalid(param, "the request's inline (data URL) images take " + inlineBytes
                    + " bytes, more than " + ImageLimits.MAX_INLINE_BYTES + " (768 KiB, so a request fits a Kafka"
                    + " message); put larger images where the workers can fetch them and pass an https:// or"
                    + " file:// URL");
        }
        images.add(new Image(image.bytes(), null, image.mimeType()));
    }

    private void addUri(String url, String param) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (URI_SCHEMES.stream().noneMatch(lower::startsWith)) {
            throw ApiError.invalid(param, "an image URL must be a data:image/...;base64 URL, or an https://,"
                    + " http:// or file:// URL the workers fetch");
        }
        if (url.length() > ImageLimits.MAX_URI_LENGTH) {
            throw ApiError.invalid(param, "an image URL is at most " + ImageLimits.MAX_URI_LENGTH + " characters");
        }
        images.add(new Image(null, url, null));
    }

    int count() {
        return images.size();
    }

    /** Fresh ImageInputs for one request (each with its own buffers over the shared bytes); null when none. */
    List<ImageInput> inputs() {
        if (images.isEmpty()) {
            return null;
        }
        List<ImageInput> out = new ArrayList<>(images.size());
        for (Image image : images) {
            out.add(ImageInput.newBuilder().setData(image.data() == null ? null : ByteBuffer.wrap(image.data()))
                    .setUri(image.uri()).setMimeType(image.mimeType()).build());
        }
        return out;
    }
}
