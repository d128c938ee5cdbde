package io.logitstream.worker.engine.config;

/** A checkpoint's config.json or generation_config.json is missing, malformed or incomplete. */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
