package io.logitstream.serde;

import java.util.Map;

/** Configuration keys of the serdes; the names match Confluent's so existing client configs work. */
public final class SerdeConfig {

    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";

    private SerdeConfig() {
    }

    static String registryUrl(Map<String, ?> configs) {
        Object url = configs.get(SCHEMA_REGISTRY_URL);
        if (url == null) {
            throw new IllegalArgumentException("Missing " + SCHEMA_REGISTRY_URL
                    + ": set it to the base URL of a Confluent-compatible schema registry");
        }
        return url.toString();
    }

    static boolean autoRegister(Map<String, ?> configs) {
        Object value = configs.get(AUTO_REGISTER_SCHEMAS);
        return value == null || Boolean.parseBoolean(value.toString());
    }
}
