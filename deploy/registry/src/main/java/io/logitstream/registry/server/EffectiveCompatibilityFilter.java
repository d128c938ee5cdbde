package io.logitstream.registry.server;

import io.apicurio.registry.ccompat.dto.CompatibilityLevelParamDto;
import io.apicurio.registry.ccompat.store.RegistryStorageFacade;
import io.apicurio.registry.storage.RuleNotFoundException;
import io.apicurio.registry.types.RuleType;
import javax.inject.Inject;
import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.container.ContainerResponseContext;
import javax.ws.rs.container.ContainerResponseFilter;
import javax.ws.rs.ext.Provider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Makes Apicurio's Confluent-compatible API report the compatibility level it enforces, as
 * Confluent's registry does.
 *
 * <p>Apicurio 2.4.2 answers {@code GET /config} and {@code GET /config/{subject}} with
 * {@code NONE} whenever no rule is stored for them, although it then enforces the stored global
 * rule or, without one, the default global rule {@code registry.rules.global.compatibility}
 * (BACKWARD here). Clients that compare the level before registering, such as
 * {@code @kafkajs/confluent-schema-registry} (default BACKWARD), then refuse to register. Since a
 * {@code NONE} is never stored (setting it deletes the rule), a {@code NONE} answer always means
 * "no rule of its own", and the level really applied is the global one: this filter reports that.
 * A subject that does not exist still answers 404, as Confluent's does.
 */
@Provider
public class EffectiveCompatibilityFilter implements ContainerResponseFilter {

    private static final String NONE = "NONE";

    @Inject
    RegistryStorageFacade storage;

    @ConfigProperty(name = "registry.rules.global.compatibility", defaultValue = NONE)
    String defaultGlobalLevel;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (!"GET".equals(request.getMethod())
                || !(response.getEntity() instanceof CompatibilityLevelParamDto level)
                || !NONE.equals(level.getCompatibilityLevel())) {
            return;
        }
        response.setEntity(new CompatibilityLevelParamDto(globalLevel()));
    }

    /** The stored global rule, else the default one from the configuration. */
    private String globalLevel() {
        try {
            return storage.getGlobalRule(RuleType.COMPATIBILITY).getConfiguration();
        } catch (RuleNotFoundException e) {
            return defaultGlobalLevel;
        }
    }
}
