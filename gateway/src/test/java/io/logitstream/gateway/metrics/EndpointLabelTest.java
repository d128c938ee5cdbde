package io.logitstream.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EndpointLabelTest {

    @Test
    void pathsBecomeTheirRouteTemplates() {
        assertThat(EndpointLabel.of("/v1/completions")).isEqualTo("/v1/completions");
        assertThat(EndpointLabel.of("/v1/completions/")).isEqualTo("/v1/completions");
        assertThat(EndpointLabel.of("/v1/chat/completions")).isEqualTo("/v1/chat/completions");
        assertThat(EndpointLabel.of("/v1/models")).isEqualTo("/v1/models");
        assertThat(EndpointLabel.of("/v1/models/tiny-gpt2")).isEqualTo("/v1/models/{id}");
        assertThat(EndpointLabel.of("/runs/eval-1")).isEqualTo("/runs/{id}");
        assertThat(EndpointLabel.of("/results/a/b")).isEqualTo("/results/{id}");
        assertThat(EndpointLabel.of("/")).isEqualTo("/");
        assertThat(EndpointLabel.of("/runs-ui")).isEqualTo("/runs-ui");
    }

    @Test
    void anyOtherPathIsOneLabel() {
        assertThat(EndpointLabel.of("/v1/models/")).isEqualTo("/v1/models");
        assertThat(EndpointLabel.of("/v1/nope")).isEqualTo(EndpointLabel.OTHER);
        assertThat(EndpointLabel.of("/wp-login.php")).isEqualTo(EndpointLabel.OTHER);
        assertThat(EndpointLabel.of("/v1/completionsX")).isEqualTo(EndpointLabel.OTHER);
    }
}
