package io.logitstream.contract;

/**
 * Limits of the {@code images} of a PromptRequest, shared by the topology (which dead-letters a
 * request that breaks them) and the workers.
 *
 * <p>Why 768 KiB inline: a request travels as one Kafka record through {@code llm.prompts} and
 * {@code llm.requests.<model>}, whose producers' {@code max.request.size} (and topics'
 * {@code max.message.bytes}) default to 1 MiB; 768 KiB of image bytes leaves room for the text,
 * the other fields and the record overhead. A larger image goes by {@code uri}: the producer puts
 * it on an HTTP(S) server or a volume the workers share, and the worker fetches it (at most
 * {@link #DEFAULT_MAX_FETCH_BYTES} unless configured otherwise).
 */
public final class ImageLimits {
    /** All inline {@code data} of one request together. */
    public static final int MAX_INLINE_BYTES = 768 * 1024;
    /** Images per request. */
    public static final int MAX_IMAGES = 16;
    /** Longest uri accepted. */
    public static final int MAX_URI_LENGTH = 4096;
    /** What a worker fetches for one uri by default ({@code logitstream.images.max-fetch-bytes}). */
    public static final long DEFAULT_MAX_FETCH_BYTES = 20L * 1024 * 1024;

    private ImageLimits() {
    }
}
