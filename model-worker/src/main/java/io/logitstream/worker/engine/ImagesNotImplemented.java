package io.logitstream.worker.engine;

/**
 * A checkpoint that reads images with its own remote code, of which the engine implements only the
 * text path: text-only requests are served, a request with images is refused with {@link #imagesRefusal()}
 * (the task layer answers UNSUPPORTED: the model could, this worker cannot) instead of the generic
 * "reads text only" of a plain language model.
 */
public interface ImagesNotImplemented {

    /** Why images are refused for this model: what its image path would need. */
    String imagesRefusal();
}
