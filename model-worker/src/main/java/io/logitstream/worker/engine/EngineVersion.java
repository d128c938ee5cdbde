package io.logitstream.worker.engine;

/**
 * The engine's identity, recorded in every result's provenance: results are comparable when
 * the model fingerprint and this string are equal. Bump the engine version whenever numerics
 * change (kernel choice, op order), not only on API changes.
 */
public final class EngineVersion {
    public static final String ENGINE = "0.1.0";
    public static final String DJL = "0.35.1";
    public static final String PYTORCH = "2.7.1";
    public static final String VALUE = "logitstream-engine/" + ENGINE + " djl-" + DJL + " pytorch-" + PYTORCH;

    private EngineVersion() {
    }
}
