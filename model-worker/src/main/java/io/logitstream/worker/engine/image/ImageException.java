package io.logitstream.worker.engine.image;

/** An image that cannot be read or used (not an image, an unsupported format, too large). */
public class ImageException extends RuntimeException {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
