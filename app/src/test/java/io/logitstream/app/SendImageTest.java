package io.logitstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code send --image}: local files go inline (within the inline limit), URIs by reference, in order. */
class SendImageTest {
    static final Path IMAGE = EndToEndScenario.ROOT.resolve("fixtures/images/rgb-112x56.png");

    @Test
    void filesGoInlineAndUrisByReferenceInTheGivenOrder() throws Exception {
        SendCommand send = new SendCommand();
        new CommandLine(send).parseArgs("--model", "tiny-internvl", "--task", "CHOICE", "--text", "<image> <image> Q?",
                "--choices", " A| B", "--image", IMAGE.toString(), "--image", "https://example.com/big.jpg");

        PromptRequest request = send.build();

        assertThat(request.getTask()).isEqualTo(Task.CHOICE);
        assertThat(request.getImages()).hasSize(2);
        assertThat(request.getImages().get(0).getData().remaining()).isEqualTo((int) Files.size(IMAGE));
        assertThat(request.getImages().get(0).getMimeType()).isEqualTo("image/png");
        assertThat(request.getImages().get(1).getUri()).isEqualTo("https://example.com/big.jpg");
        assertThat(request.getImages().get(1).getData()).isNull();
    }

    @Test
    void aFileOverTheInlineLimitIsRefusedWithTheWayOut() throws Exception {
        Path big = Files.createTempFile("big", ".png");
        Files.write(big, new byte[800 * 1024]);
        SendCommand send = new SendCommand();
        new CommandLine(send).parseArgs("--model", "m", "--text", "hi", "--image", big.toString());

        assertThatThrownBy(send::build).hasMessageContaining("more than 786432").hasMessageContaining("URI instead");
    }
}
