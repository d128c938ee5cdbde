package io.logitstream.worker.engine.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    @Test
    void holdsBackAPossibleStartOfAStopStringUntilItResolves() {
        StopStringMatcher m = new StopStringMatcher(List.of("\n\n"));

        assertThat(m.add("Hello")).isEqualTo("Hello");
        assertThat(m.add(" world\n")).isEqualTo(" world"); // "\n" might start "\n\n"
        assertThat(m.add("again")).isEqualTo("\nagain"); // it did not
        assertThat(m.stopped()).isFalse();
    }

    @Test
    void stopsAtAStopStringSplitAcrossTokensAndDropsIt() {
        StopStringMatcher m = new StopStringMatcher(List.of("END"));

        assertThat(m.add("abc E")).isEqualTo("abc ");
        assertThat(m.add("N")).isEmpty();
        assertThat(m.add("Dtail")).isEmpty();
        assertThat(m.stopped()).isTrue();
        assertThat(m.add("more")).isEmpty();
        assertThat(m.truncate("abc ENDtail")).isEqualTo("abc ");
    }

    @Test
    void earliestOfSeveralStopStringsWins() {
        StopStringMatcher m = new StopStringMatcher(List.of("world", "lo"));

        assertThat(m.add("Hello world")).isEqualTo("Hel");
        assertThat(m.truncate("Hello world")).isEqualTo("Hel");
    }

    @Test
    void flushReleasesHeldBackTextAtTheEnd() {
        StopStringMatcher m = new StopStringMatcher(List.of("###"));

        assertThat(m.add("x ##")).isEqualTo("x ");
        assertThat(m.flush()).isEqualTo("##");
    }
}
