package io.logitstream.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's retries, cache checks and re-registration, against a fake registry that fails on cue. */
class RestSchemaRegistryClientTest {

    private static final Schema S = SchemaBuilder.record("S").namespace("test").fields()
            .requiredString("a").endRecord();
    private static final Schema T = SchemaBuilder.record("T").namespace("test").fields()
            .requiredLong("b").endRecord();
    /** Retries fast; cached answers trusted for a long time unless a test says otherwise. */
    private static final RestSchemaRegistryClient.Options FAST = RestSchemaRegistryClient.Options.defaults()
            .withRetries(4, Duration.ofMillis(5)).withRevalidateAfter(Duration.ofHours(1));
    /** Checks every cached answer with the registry on every use. */
    private static final RestSchemaRegistryClient.Options ALWAYS_CHECK = FAST.withRevalidateAfter(Duration.ZERO);

    private FakeConfluentRegistry registry;

    @BeforeEach
    void start() throws Exception {
        registry = new FakeConfluentRegistry();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void aRegistrationAnsweredWithHttp500IsRetriedUntilItGetsItsId() {
        var client = new RestSchemaRegistryClient(registry.url(), FAST);
        registry.failNext(2, 500); // Apicurio's unique-index race when two workers register at once

        assertThat(client.register("s-value", S)).isEqualTo(1);
        assertThat(registry.requests("POST /subjects/s-value/versions")).isEqualTo(3);
    }

    @Test
    void aRegistryThatKeepsFailingGivesUpAfterTheAttemptsWithATransientError() {
        var client = new RestSchemaRegistryClient(registry.url(), FAST);
        registry.failNext(100, 503);

        assertThatThrownBy(() -> client.register("s-value", S))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(503);
                    assertThat(e.isTransient()).isTrue();
                });
        assertThat(registry.requests("POST /subjects/s-value/versions")).isEqualTo(4);
    }

    @Test
    void anAnswerAboutTheRequestItselfIsNotRetried() {
        var client = new RestSchemaRegistryClient(registry.url(), FAST);
        registry.failNext(1, 422);

        assertThatThrownBy(() -> client.register("s-value", S))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isTransient()).isFalse());
        assertThat(registry.requests("POST /subjects/s-value/versions")).isEqualTo(1);
    }

    @Test
    void cachedIdsAreNotAskedForAgainUntilTheyAreDue() {
        var client = new RestSchemaRegistryClient(registry.url(), FAST);
        int id = client.register("s-value", S);

        assertThat(client.register("s-value", S)).isEqualTo(id);
        assertThat(client.schemaById(id)).isEqualTo(S);
        assertThat(registry.requests("POST")).isEqualTo(1);
        assertThat(registry.requests("GET")).isZero();
    }

    @Test
    void afterTheRegistryLostItsStateAWriterMovesToTheIdItNowGives() {
        var writer = new RestSchemaRegistryClient(registry.url(), ALWAYS_CHECK);
        assertThat(writer.register("s-value", S)).isEqualTo(1);

        registry.forgetEverything();
        var other = new RestSchemaRegistryClient(registry.url(), FAST);
        assertThat(other.register("t-value", T)).isEqualTo(1); // id 1 now names T

        int now = writer.register("s-value", S);
        assertThat(now).isNotEqualTo(1);
        assertThat(writer.schemaById(now)).isEqualTo(S);
        assertThat(other.schemaById(now)).isEqualTo(S);
    }

    @Test
    void aReaderFollowsAnIdThatNowNamesAnotherSchemaAndItsOwnRegistrationIsRenewed() {
        var client = new RestSchemaRegistryClient(registry.url(), ALWAYS_CHECK);
        assertThat(client.register("s-value", S)).isEqualTo(1);
        assertThat(client.schemaById(1)).isEqualTo(S);

        registry.forgetEverything();
        new RestSchemaRegistryClient(registry.url(), FAST).register("t-value", T);

        // What new writers mean by id 1 now; the reader's record checks refuse it where S was expected.
        assertThat(client.schemaById(1)).isEqualTo(T);
        assertThat(registry.knows(S.toString())).as("S registered again").isTrue();
        assertThat(client.register("s-value", S)).isEqualTo(2);
    }

    @Test
    void aLookupMissForAnIdThisClientRegisteredRegistersItAgain() {
        var client = new RestSchemaRegistryClient(registry.url(), ALWAYS_CHECK);
        assertThat(client.register("s-value", S)).isEqualTo(1);

        registry.forgetEverything();

        // 404: forgotten, not reassigned, so values with id 1 were written as S and still read as S.
        assertThat(client.schemaById(1)).isEqualTo(S);
        assertThat(registry.knows(S.toString())).isTrue();
        assertThat(new RestSchemaRegistryClient(registry.url(), FAST).lookup("s-value", S))
                .isEqualTo(client.register("s-value", S));
    }

    @Test
    void aFailureToReachTheRegistryMakesEveryCachedIdBeCheckedWhenItAnswersAgain() {
        var writer = new RestSchemaRegistryClient(registry.url(), FAST); // would trust its cache for an hour
        assertThat(writer.register("s-value", S)).isEqualTo(1);

        registry.forgetEverything(); // restarted without its storage ...
        registry.failNext(100, 503); // ... and not answering yet
        assertThatThrownBy(() -> writer.register("t-value", T)).isInstanceOf(SchemaRegistryException.class);
        // While it does not answer, the id it gave last is kept: it cannot give it away meanwhile.
        assertThat(writer.register("s-value", S)).isEqualTo(1);

        registry.failNext(0, 0);
        new RestSchemaRegistryClient(registry.url(), FAST).register("t-value", T); // id 1 is T's now
        awaitRecheckAfterFailure();

        assertThat(writer.register("s-value", S)).isEqualTo(2);
    }

    @Test
    void aLookupOfASchemaTheRegistryNoLongerHasFailsInsteadOfWritingAGoneId() {
        new RestSchemaRegistryClient(registry.url(), FAST).register("s-value", S);
        var producer = new RestSchemaRegistryClient(registry.url(), ALWAYS_CHECK);
        assertThat(producer.lookup("s-value", S)).isEqualTo(1);

        registry.forgetEverything();

        assertThatThrownBy(() -> producer.lookup("s-value", S))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isNotFound()).isTrue());
    }

    @Test
    void anIdThatIsNotUsableAvroIsAPermanentErrorNotATransientOne() {
        var client = new RestSchemaRegistryClient(registry.url(), FAST);
        registry.putSchema(7, "{\"type\":\"object\"}", "JSON");
        registry.putSchema(8, "{\"type\":\"record\",\"name\":", "AVRO");

        assertThatThrownBy(() -> client.schemaById(7))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isTransient()).isFalse())
                .hasMessageContaining("JSON");
        assertThatThrownBy(() -> client.schemaById(8))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isTransient()).isFalse())
                .hasMessageContaining("not a valid Avro schema");
    }

    /** A revalidation that failed is tried again about a second later. */
    private static void awaitRecheckAfterFailure() {
        try {
            Thread.sleep(1100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
