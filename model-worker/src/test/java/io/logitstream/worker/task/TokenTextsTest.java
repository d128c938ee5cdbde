package io.logitstream.worker.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Token strings are an extra of a result: left out rather than making it too large, or without a tokenizer. */
class TokenTextsTest {

    @Test
    void stringsAreLeftOutWhenTheyWouldNotFitOrThereIsNoTokenizer() throws Exception {
        LoadedModel model = TestModels.tinyGpt2();
        TokenTexts texts = new TokenTexts(model.tokenizer(), model.config().vocabSize());
        int[] ids = model.encodeText("Hello world");

        assertThat(texts.of(ids, 0, 1_000)).containsExactly("Hello", " world");
        assertThat(texts.of(ids, 1, 1_000)).containsExactly(" world");
        assertThat(texts.of(ids, 0, 8)).as("Hello and world take 7 + 8 bytes").isNull();
        assertThat(TokenTexts.budget(1_000, 10, 5)).isEqualTo(1_000 - 10 * (5 * 9 + 10));

        Path empty = Files.createTempDirectory("no-tokenizer");
        try (TextTokenizer none = TextTokenizer.loadIfPresent(empty)) {
            assertThat(new TokenTexts(none, 10).of(new int[] {1, 2}, 0, 1_000)).isNull();
        }
    }
}
