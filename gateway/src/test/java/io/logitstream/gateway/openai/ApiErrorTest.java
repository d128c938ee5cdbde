package io.logitstream.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.ErrorCodes;
import org.junit.jupiter.api.Test;

class ApiErrorTest {

    @Test
    void contractCodesMapToTheStatusesClientsExpect() {
        assertThat(ApiError.of(ErrorCodes.INVALID_REQUEST, "top_p must be in (0, 1]").status()).isEqualTo(400);
        assertThat(ApiError.of(ErrorCodes.INVALID_INPUT, "x").status()).isEqualTo(400);
        assertThat(ApiError.of(ErrorCodes.UNKNOWN_MODEL, "x").status()).isEqualTo(404);
        assertThat(ApiError.of(ErrorCodes.CONTEXT_LENGTH_EXCEEDED, "x").status()).isEqualTo(413);
        assertThat(ApiError.of(ErrorCodes.RESULT_TOO_LARGE, "x").status()).isEqualTo(413);
        assertThat(ApiError.of(ErrorCodes.ENGINE_ERROR, "x").status()).isEqualTo(500);
        assertThat(ApiError.timeout(120).status()).isEqualTo(504);
    }

    @Test
    void theBodyIsOpenAisErrorObject() {
        var body = ApiError.of(ErrorCodes.INVALID_REQUEST, "top_p must be in (0, 1]").toJson().path("error");

        assertThat(body.path("message").asText()).isEqualTo("top_p must be in (0, 1]");
        assertThat(body.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(body.path("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(body.has("param")).isTrue();
    }
}
