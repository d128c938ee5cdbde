package io.logitstream.worker.engine;

import java.util.Set;

/** {@code config.model_type} names an architecture the engine does not implement. */
public class UnsupportedModelTypeException extends ModelLoadException {
    private static final long serialVersionUID = 1L;

    private final String modelType;

    public UnsupportedModelTypeException(String modelType, Set<String> supported) {
        super("unsupported model_type '" + modelType + "' (supported: " + String.join(", ", supported) + ")");
        this.modelType = modelType;
    }

    public String modelType() {
        return modelType;
    }
}
