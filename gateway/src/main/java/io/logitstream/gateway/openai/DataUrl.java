package io.logitstream.gateway.openai;

import java.util.Base64;
import java.util.Locale;

/**
 * An image sent inline as OpenAI's clients send it: {@code data:image/png;base64,<bytes>} (RFC 2397,
 * the form the openai SDK's and vLLM's examples build). Only base64 image data is taken: a
 * percent-encoded payload or another media type is refused rather than guessed at.
 *
 * @param mimeType the media type as given, lower-cased ({@code image/png}); the worker still detects
 *                 the format from the bytes
 */
record DataUrl(String mimeType, byte[] bytes) {

    static final String PREFIX = "data:";

    static boolean isDataUrl(String url) {
        return url.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    /**
     * The decoded data URL.
     *
     * @param param the request field the URL came from, named in the error
     * @throws ApiError 400 when it is not {@code data:image/<type>;base64,<base64 data>}
     */
    static DataUrl parse(String url, String param) {
        int comma = url.indexOf(',');
        if (!isDataUrl(url) || comma < 0) {
            throw ApiError.invalid(param, "a data URL must look like data:image/png;base64,<base64 data>");
        }
        String header = url.substring(PREFIX.length(), comma).toLowerCase(Locale.ROOT);
        if (!header.endsWith(";base64")) {
            throw ApiError.invalid(param, "the data URL must be base64-encoded (data:image/png;base64,...)");
        }
        String mime = header.substring(0, header.length() - ";base64".length());
        int parameters = mime.indexOf(';'); // data:image/png;charset=...;base64 is legal; the type is what counts
        mime = parameters < 0 ? mime : mime.substring(0, parameters);
        if (!mime.startsWith("image/") || mime.length() == "image/".length()) {
            throw ApiError.invalid(param, "the data URL's media type '" + mime + "' is not an image type"
                    + " (image/png, image/jpeg, ...)");
        }
        byte[] bytes;
        try {
            // Whitespace is tolerated (some clients wrap long base64 lines); anything else non-base64 is an error.
            bytes = Base64.getDecoder().decode(url.substring(comma + 1).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid(param, "the data URL's payload is not valid base64: " + e.getMessage());
        }
        if (bytes.length == 0) {
            throw ApiError.invalid(param, "the data URL holds no image bytes");
        }
        return new DataUrl(mime, bytes);
    }
}
