package io.logitstream.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.schema.TokenSelection;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class TokenSelectionFlagsTest {

    @Command(name = "holder")
    static final class Holder {
        @Mixin
        TokenSelectionFlags flags;
    }

    @Test
    void tokensAndIdsAreSplitOnCommasKeepingLeadingSpacesAndMayBeRepeated() {
        TokenSelection s = parse("--logprobs-of-tokens", "A, B", "--logprobs-of-tokens", "C",
                "--logprobs-of-ids", "32,33");

        assertThat(s.getTokens()).containsExactly("A", " B", "C");
        assertThat(s.getTokenIds()).containsExactly(32, 33);
    }

    @Test
    void oneKindAloneLeavesTheOtherUnset() {
        assertThat(parse("--logprobs-of-ids", "7").getTokens()).isNull();
        assertThat(parse("--logprobs-of-tokens", "A").getTokenIds()).isNull();
    }

    @Test
    void withoutTheFlagsThereIsNoSelection() {
        assertThat(parse()).isNull();
    }

    private static TokenSelection parse(String... args) {
        Holder holder = new Holder();
        new CommandLine(holder).parseArgs(args);
        return holder.flags.toSelection();
    }
}
