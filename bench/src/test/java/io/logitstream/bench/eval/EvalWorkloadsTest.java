package io.logitstream.bench.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.worker.engine.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The workloads, counted with GPT-2's real tokenizer (the fixture checkpoint's tokenizer.json). */
class EvalWorkloadsTest {
    private static TextTokenizer tokenizer;
    private static EvalWorkloads workloads;

    @BeforeAll
    static void load() {
        Path root = Path.of(System.getProperty("logitstream.root", "..")).toAbsolutePath().normalize();
        tokenizer = TextTokenizer.load(root.resolve("fixtures/models/tiny-gpt2"));
        workloads = EvalWorkloads.withTokenizer(t -> tokenizer.encode(t, false).length);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void mmluShapedItemsShareAFiveShotPrefixAndEndInAnswerWithSingleTokenLetters() {
        EvalWorkload w = workloads.mmlu(7, 20, 400);
        assertThat(w.size()).isEqualTo(20);
        assertThat(w.prefixKey()).startsWith("bench-eval-mmlu-");
        String prefix = commonPrefix(w.items());
        assertThat(prefix).endsWith("\n\n").contains("about ");
        assertThat(prefix.split("Question:", -1)).hasSize(EvalWorkloads.SHOTS + 1);
        assertThat(tokenizer.encode(prefix, false).length).isBetween(380, 430);
        for (int i = 0; i < w.size(); i++) {
            EvalItem item = w.items().get(i);
            assertThat(item.context()).endsWith("\nAnswer:");
            assertThat(item.choices()).containsExactly(" A", " B", " C", " D");
            assertThat(w.candidateTokens()[i]).containsExactly(1, 1, 1, 1);
            int question = w.contextTokens()[i] - tokenizer.encode(prefix, false).length;
            assertThat(question).isBetween(38, 62);
        }
    }

    @Test
    void hellaswagShapedItemsHaveAContextOfAboutTheTargetAndEndingsOf15To30Tokens() {
        EvalWorkload w = workloads.hellaswag(7, 20, 100);
        assertThat(w.prefixKey()).isNull();
        for (int i = 0; i < w.size(); i++) {
            assertThat(w.contextTokens()[i]).isBetween(95, 115);
            assertThat(w.items().get(i).choices()).hasSize(4).allSatisfy(c -> assertThat(c).startsWith(" "));
            assertThat(Arrays.stream(w.candidateTokens()[i]).boxed().toList()).allSatisfy(n -> assertThat(n).isBetween(15, 30));
        }
    }

    @Test
    void encodingContextAndCandidateApartGivesLmEvalsSplitOfTheEncodedPair() {
        // our CHOICE task encodes the prompt and each candidate apart; lm-eval encodes the pair and splits it
        for (EvalWorkload w : List.of(workloads.mmlu(3, 10, 400), workloads.hellaswag(3, 10, 100))) {
            for (EvalItem item : w.items()) {
                int[] context = tokenizer.encode(item.context(), false);
                for (String choice : item.choices()) {
                    int[] whole = tokenizer.encode(item.context() + choice, false);
                    int[] candidate = tokenizer.encode(choice, false);
                    assertThat(Arrays.copyOf(whole, context.length)).isEqualTo(context);
                    assertThat(Arrays.copyOfRange(whole, context.length, whole.length)).isEqualTo(candidate);
                }
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameItemsAndAShorterRunTheirFirstOnes() {
        EvalWorkload a = workloads.mmlu(11, 10, 400);
        EvalWorkload b = workloads.mmlu(11, 4, 400);
        assertThat(b.items()).isEqualTo(a.items().subList(0, 4));
        assertThat(workloads.hellaswag(11, 3, 100).items()).isEqualTo(workloads.hellaswag(11, 5, 100).items()
                .subList(0, 3));
        assertThat(workloads.mmlu(12, 4, 400).items()).isNotEqualTo(b.items());
    }

    @Test
    void anItemRejectsAContextEndingInWhitespace() {
        assertThatThrownBy(() -> new EvalItem("Answer: ", List.of(" A"), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whitespace");
    }

    private static String commonPrefix(List<EvalItem> items) {
        String p = items.get(0).context();
        for (EvalItem item : items) {
            int n = 0;
            while (n < p.length() && n < item.context().length() && p.charAt(n) == item.context().charAt(n)) {
                n++;
            }
            p = p.substring(0, n);
        }
        // up to the last example's end: the items' own questions all start with "Question:"
        return p.substring(0, p.lastIndexOf("\n\n") + 2);
    }
}
