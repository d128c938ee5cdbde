package io.logitstream.worker.engine.weights;

import java.util.Locale;

/** The element types a safetensors header can name, with their sizes in bytes. */
public enum TensorDType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    TensorDType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** Parses the header's dtype string; the error lists the supported ones. */
    public static TensorDType parse(String name, String tensor, String file) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("tensor '" + tensor + "' in " + file + " has dtype " + name
                    + ", which is not supported (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        }
    }
}
