package io.logitstream.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Talks to a schema registry over the Confluent REST API and caches both directions (subject+schema
 * to id, id to schema), so that almost no request leaves the process.
 *
 * <p>A registry that keeps its state (the local stack's does) never changes what an id means, and
 * the caches are then simply right. This client does not rely on that: a registry that was restarted
 * without its storage hands the same ids out again, for other schemas. So
 * <ul>
 *   <li>every cached entry is checked with the registry again after {@link Options#revalidateAfter()}
 *       (one request per schema and period); a registration that now answers another id moves the
 *       writers to it, and an id that now names another schema is re-read;</li>
 *   <li>a failure to reach the registry marks every entry for a check as soon as it answers again
 *       (it may have been restarting); until then the ids it gave last are kept, since it cannot
 *       give them away while it does not answer;</li>
 *   <li>an id this client registered that the registry no longer knows (404), or that now names
 *       another schema, is registered again, and the writers use the id the registry now gives;</li>
 *   <li>transient failures (unreachable, 408, 429, 5xx) are retried with backoff ({@link RegistryRetry}).</li>
 * </ul>
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    private static final Logger log = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    /** After a revalidation could not reach the registry, how soon the next request tries again. */
    private static final long RECHECK_AFTER_FAILURE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Timeouts, retries and how long a cached answer is trusted before it is checked again.
     *
     * @param revalidateAfter {@link Duration#ZERO} checks on every call (tests)
     */
    public record Options(Duration connectTimeout, Duration requestTimeout, Duration revalidateAfter, int attempts,
            Duration firstBackoff) {

        public static Options defaults() {
            return new Options(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(10),
                    RegistryRetry.DEFAULT.attempts(), RegistryRetry.DEFAULT.firstBackoff());
        }

        public Options withRevalidateAfter(Duration period) {
            return new Options(connectTimeout, requestTimeout, period, attempts, firstBackoff);
        }

        public Options withRetries(int attempts, Duration firstBackoff) {
            return new Options(connectTimeout, requestTimeout, revalidateAfter, attempts, firstBackoff);
        }

        public Options withTimeouts(Duration connect, Duration request) {
            return new Options(connect, request, revalidateAfter, attempts, firstBackoff);
        }
    }

    /** A cached answer and when to ask the registry again. */
    private record Known<T>(T value, long recheckAtNanos) {
        boolean fresh(long now) {
            return now - recheckAtNanos < 0;
        }

        Known<T> dueAt(long now) {
            return new Known<>(value, now);
        }
    }

    /** A schema this client registered itself: it can register it again when the registry forgets it. */
    private record Registration(String subject, Schema schema) {
    }

    private final RegistryHttp http;
    private final RegistryRetry retry;
    private final long revalidateNanos;
    private final Map<String, Map<Schema, Known<Integer>>> registered = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Known<Integer>>> lookedUp = new ConcurrentHashMap<>();
    private final Map<Integer, Known<Schema>> schemasById = new ConcurrentHashMap<>();
    private final Map<Integer, Registration> ownById = new ConcurrentHashMap<>();

    public RestSchemaRegistryClient(String baseUrl) {
        this(baseUrl, Options.defaults());
    }

    public RestSchemaRegistryClient(String baseUrl, Duration connectTimeout, Duration requestTimeout) {
        this(baseUrl, Options.defaults().withTimeouts(connectTimeout, requestTimeout));
    }

    public RestSchemaRegistryClient(String baseUrl, Options options) {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException(
                    "schema.registry.url is not set: give the base URL of a Confluent-compatible registry, "
                            + "e.g. http://localhost:8081 (Apicurio: http://localhost:8081/apis/ccompat/v7)");
        }
        String url = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.http = new RegistryHttp(url, options.connectTimeout(), options.requestTimeout());
        this.retry = new RegistryRetry(options.attempts(), options.firstBackoff(), Duration.ofMillis(1600));
        this.revalidateNanos = options.revalidateAfter().toNanos();
    }

    @Override
    public String url() {
        return http.baseUrl();
    }

    @Override
    public int register(String subject, Schema schema) {
        return resolve(registered, subject, schema, true);
    }

    @Override
    public int lookup(String subject, Schema schema) {
        return resolve(lookedUp, subject, schema, false);
    }

    @Override
    public Schema schemaById(int id) {
        Known<Schema> cached = schemasById.get(id);
        long now = System.nanoTime();
        if (cached != null && cached.fresh(now)) {
            return cached.value();
        }
        Schema fetched;
        try {
            fetched = (cached == null ? retry : RegistryRetry.ONCE).call("look up schema id " + id, () -> fetch(id));
        } catch (SchemaRegistryException e) {
            if (e.isTransient()) {
                expireAll(now);
            }
            if (cached == null || !(e.isTransient() || e.isNotFound())) {
                throw e;
            }
            if (e.isNotFound()) {
                // Forgotten, not reassigned: the values carrying this id were written while it named the
                // schema known here (nobody can have been given it since), so that schema still reads them.
                log.warn("The schema registry at {} no longer knows schema id {} ({}); it lost its state."
                        + " Values with this id are read with the schema it had", url(), id,
                        cached.value().getFullName());
                registerAgainIfOwn(id, cached.value(), now);
            }
            long recheck = e.isTransient() ? RECHECK_AFTER_FAILURE_NANOS : revalidateNanos;
            schemasById.put(id, new Known<>(cached.value(), now + recheck));
            return cached.value();
        }
        Schema current = fetched;
        if (cached != null) {
            if (cached.value().equals(fetched)) {
                current = cached.value(); // the same instance, so callers' per-schema caches stay valid
            } else {
                log.warn("Schema id {} at {} now names {} and no longer {}: the registry lost or replaced its"
                        + " state, and the id was given to another schema", id, url(), fetched.getFullName(),
                        cached.value().getFullName());
                registerAgainIfOwn(id, cached.value(), now);
            }
        }
        schemasById.put(id, new Known<>(current, now + revalidateNanos));
        return current;
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        ObjectNode body = RegistryHttp.JSON.createObjectNode().put("schema", schema.toString());
        String what = "check compatibility of subject " + subject;
        try {
            JsonNode answer = retry.call(what, () -> http.send("POST",
                    "/compatibility/subjects/" + RegistryHttp.encode(subject) + "/versions/latest", body, what));
            return answer.path("is_compatible").asBoolean(false);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                return true; // no version yet: anything is compatible with nothing
            }
            throw e;
        }
    }

    @Override
    public void setCompatibility(String subject, String level) {
        ObjectNode body = RegistryHttp.JSON.createObjectNode().put("compatibility", level);
        String what = "set compatibility " + level + " on subject " + subject;
        retry.call(what, () -> http.send("PUT", "/config/" + RegistryHttp.encode(subject), body, what));
    }

    // ---------------------------------------------------------------------------------------------

    /** Register or look up, through the cache; checks a cached id again once it is due. */
    private int resolve(Map<String, Map<Schema, Known<Integer>>> cache, String subject, Schema schema,
            boolean register) {
        Map<Schema, Known<Integer>> known = cache.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Known<Integer> cached = known.get(schema);
        long now = System.nanoTime();
        if (cached != null && cached.fresh(now)) {
            return cached.value();
        }
        String what = (register ? "register the schema " : "find the schema ") + schema.getFullName()
                + " under subject " + subject
                + (register ? "" : " (auto.register.schemas=false, so it must be registered beforehand)");
        int id;
        try {
            id = (cached == null ? retry : RegistryRetry.ONCE).call(what, () -> ask(register, subject, schema, what));
        } catch (SchemaRegistryException e) {
            if (e.isTransient()) {
                expireAll(now); // it may be restarting: check every cached id once it answers again
                if (cached != null) {
                    // It cannot give this id away while it does not answer; keep writing with it.
                    known.put(schema, new Known<>(cached.value(), now + RECHECK_AFTER_FAILURE_NANOS));
                    return cached.value();
                }
            } else if (cached != null) {
                known.remove(schema); // e.g. 404 on a lookup: the id is gone, so writing with it must stop
            }
            throw e;
        }
        if (cached != null && cached.value() != id) {
            log.warn("The schema registry at {} now gives id {} to {} under subject {}, which had id {}: it lost"
                    + " or replaced its state. Values are written with id {} from now on", url(), id,
                    schema.getFullName(), subject, cached.value(), id);
        }
        known.put(schema, new Known<>(id, now + revalidateNanos));
        Known<Schema> byId = schemasById.get(id);
        Schema instance = byId != null && byId.value().equals(schema) ? byId.value() : schema;
        schemasById.put(id, new Known<>(instance, now + revalidateNanos));
        if (register) {
            ownById.put(id, new Registration(subject, schema));
        }
        log.debug("Schema {} under {} has id {}", schema.getFullName(), subject, id);
        return id;
    }

    private int ask(boolean register, String subject, Schema schema, String what) {
        ObjectNode body = RegistryHttp.JSON.createObjectNode().put("schema", schema.toString());
        String path = "/subjects/" + RegistryHttp.encode(subject) + (register ? "/versions" : "");
        JsonNode answer = http.send("POST", path, body, what);
        int id = answer.path("id").asInt(-1);
        if (id < 0) {
            throw new SchemaRegistryException("Registry at " + url() + " answered the request to " + what
                    + " without an id: " + answer, 200, -1, null);
        }
        return id;
    }

    /** The schema with this id, as the registry has it; refuses what is not usable Avro. */
    private Schema fetch(int id) {
        JsonNode answer = http.send("GET", "/schemas/ids/" + id, null, "look up schema id " + id);
        String text = answer.path("schema").asText(null);
        if (text == null) {
            throw new SchemaRegistryException("Registry at " + url() + " returned no schema text for id " + id,
                    200, -1, null);
        }
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new SchemaRegistryException("Schema id " + id + " is a " + type
                    + " schema; LogitStream topics carry Avro only", 200, -1, null);
        }
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException | StackOverflowError e) {
            throw new SchemaRegistryException("Schema id " + id + " at " + url() + " is not a valid Avro schema: "
                    + e.getMessage(), 200, -1, e);
        }
    }

    /**
     * The registry forgot {@code id} or gave it to another schema; when it was this client's own
     * registration of {@code had}, register that again so the writers move to the id it now gets.
     * Best effort: when this fails, the writers' next use checks the registration anyway.
     */
    private void registerAgainIfOwn(int id, Schema had, long now) {
        Registration own = ownById.get(id);
        if (own == null || !own.schema().equals(had)) {
            return;
        }
        ownById.remove(id, own);
        Map<Schema, Known<Integer>> known = registered.get(own.subject());
        if (known != null) {
            known.computeIfPresent(own.schema(), (s, k) -> k.dueAt(now));
        }
        try {
            int newId = register(own.subject(), own.schema());
            log.info("Registered {} under {} again: id {}", own.schema().getFullName(), own.subject(), newId);
        } catch (SchemaRegistryException e) {
            log.warn("Could not register {} under {} again now ({}); the next write tries again",
                    own.schema().getFullName(), own.subject(), e.getMessage());
        }
    }

    /** Marks every cached answer for a check with the registry on its next use. */
    private void expireAll(long now) {
        registered.values().forEach(m -> m.replaceAll((s, k) -> k.dueAt(now)));
        lookedUp.values().forEach(m -> m.replaceAll((s, k) -> k.dueAt(now)));
        schemasById.replaceAll((id, k) -> k.dueAt(now));
    }
}
