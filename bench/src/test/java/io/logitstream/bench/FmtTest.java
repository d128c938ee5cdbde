package io.logitstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class FmtTest {

    @Test
    void percentilesInterpolateBetweenTheClosestRanks() {
        List<Double> xs = List.of(4.0, 1.0, 3.0, 2.0);
        assertThat(Fmt.percentile(xs, 50)).isCloseTo(2.5, within(1e-12));
        assertThat(Fmt.percentile(xs, 95)).isCloseTo(3.85, within(1e-12));
        assertThat(Fmt.percentile(xs, 100)).isEqualTo(4.0);
        assertThat(Fmt.percentile(List.of(7.0), 95)).isEqualTo(7.0);
        assertThat(Fmt.percentile(List.of(), 50)).isNaN();
        assertThat(Fmt.median(xs)).isEqualTo(Fmt.percentile(xs, 50));
    }
}
