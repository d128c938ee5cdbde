package io.logitstream.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.ChatMessage;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.ImageInput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests with images on the tiny InternVL fixture, through the router and the running batch,
 * against transformers' goldens (fixtures/make_internvl_fixtures.py).
 */
public class ImageRequestTest {
    private static LoadedModel model;
    private static JsonNode golden;
    private static TaskRouter router;

    @BeforeAll
    static void load() {
        model = TestModels.model("tiny-internvl");
        golden = TestModels.golden("tiny-internvl");
        router = new TaskRouter(model, "test-worker");
    }

    static byte[] image(JsonNode prompt) throws Exception {
        return Files.readAllBytes(TestModels.root().resolve(prompt.get("image").asText()));
    }

    static PromptRequest choice(JsonNode prompt, byte[] image) {
        return request(Task.CHOICE).setText(prompt.get("text").asText())
                .setChoices(List.of(" A", " B", " C", " D"))
                .setImages(List.of(ImageInput.newBuilder().setData(ByteBuffer.wrap(image)).build())).build();
    }

    @Test
    void choiceWithAnImageGivesTheLetterProbabilitiesOfTransformers() throws Exception {
        JsonNode p = golden.get("prompts").get(0);
        ScoringResult r = router.handle(item(choice(p, image(p))), TokenSink.DISCARD);

        assertThat(r.getStatus()).as(String.valueOf(r.getError())).isEqualTo(ResultStatus.OK);
        assertThat(r.getInputIds()).containsExactlyElementsOf(ints(p.get("input_ids")));
        for (int i = 0; i < 4; i++) {
            assertThat(r.getChoice().getCandidates().get(i).getProbability())
                    .isCloseTo(p.get("choice").get("probability").get(i).asDouble(), within(1e-4));
        }
        assertThat(r.getProvenance().getParameters()).containsEntry("images", "1");
    }

    @Test
    void sameTextWithDifferentImagesInOneBatchGetsEachImagesAnswer() throws Exception {
        JsonNode a = golden.get("prompts").get(0);
        JsonNode b = golden.get("prompts").get(1);
        // the same words; the image tokens differ in number here, so also check the same image twice
        // beside a different one: the repeats may share cached keys and values, the other must not
        List<ScoringResult> rs = router.handle(List.of(item(choice(a, image(a))), item(choice(b, image(b))),
                item(choice(a, image(a)))), TokenSink.DISCARD);

        double[] ga = probabilities(a);
        double[] gb = probabilities(b);
        assertThat(probabilities(rs.get(0))).containsExactly(ga, within(1e-4));
        assertThat(probabilities(rs.get(1))).containsExactly(gb, within(1e-4));
        assertThat(probabilities(rs.get(2))).containsExactly(ga, within(1e-4));
    }

    @Test
    void theSameTokensWithAnotherImageNeverReuseTheFirstImagesCache() throws Exception {
        JsonNode a = golden.get("prompts").get(0);
        byte[] first = image(a);
        // a second 112x56 image: the same tile count, so the prompt's token ids are identical
        byte[] second = Files.readAllBytes(flipped(first));
        List<ScoringResult> rs = router.handle(List.of(item(choice(a, first)), item(choice(a, second))),
                TokenSink.DISCARD);

        assertThat(rs.get(1).getInputIds()).isEqualTo(rs.get(0).getInputIds());
        assertThat(probabilities(rs.get(0))).containsExactly(probabilities(a), within(1e-4));
        double[] alone = probabilities(router.handle(item(choice(a, second)), TokenSink.DISCARD));
        assertThat(probabilities(rs.get(1))).as("served beside the first image = served alone")
                .containsExactly(alone, within(1e-5));
        assertThat(alone).as("another image gives another answer").isNotEqualTo(probabilities(a));
    }

    @Test
    void scoreAndGenerateAcceptImages() throws Exception {
        JsonNode p = golden.get("prompts").get(0);
        ImageInput img = ImageInput.newBuilder().setData(ByteBuffer.wrap(image(p))).build();
        ScoringResult score = router.handle(item(request(Task.SCORE).setText(p.get("text").asText())
                .setImages(List.of(img)).build()), TokenSink.DISCARD);
        ScoringResult gen = router.handle(item(request(Task.GENERATE).setText(p.get("text").asText())
                .setImages(List.of(img)).setGeneration(GenerationParams.newBuilder().setMaxNewTokens(2).build())
                .build()), TokenSink.DISCARD);

        assertThat(score.getStatus()).isEqualTo(ResultStatus.OK);
        assertThat(score.getScore().getTokenLogprobs()).hasSize(p.get("input_ids").size());
        assertThat(gen.getStatus()).isEqualTo(ResultStatus.OK);
        assertThat(gen.getGeneration().getNewIds().get(0)).as("greedy = transformers' argmax after the prompt")
                .isEqualTo(argmaxOfLastPosition(p));
    }

    @Test
    void chatMessagesWithoutPlaceholderGetTheImageBeforeTheFirstUserMessage() throws Exception {
        JsonNode p = golden.get("prompts").get(0);
        ScoringResult r = router.handle(item(request(Task.SCORE)
                .setMessages(List.of(ChatMessage.newBuilder().setRole("user").setContent("What is it?").build()))
                .setImages(List.of(ImageInput.newBuilder().setData(ByteBuffer.wrap(image(p))).build())).build()),
                TokenSink.DISCARD);

        assertThat(r.getStatus()).as(String.valueOf(r.getError())).isEqualTo(ResultStatus.OK);
        int context = golden.get("image_token_id").asInt();
        assertThat(Collections.frequency(r.getInputIds(), context)).isEqualTo(p.get("tiles").asInt() * 4);
    }

    @Test
    void badImagesAndTextOnlyModelsAnswerInvalidInput() {
        PromptRequest notAnImage = request(Task.SCORE).setText("<image> hi")
                .setImages(List.of(ImageInput.newBuilder().setData(ByteBuffer.wrap(new byte[] {1, 2, 3})).build())).build();
        PromptRequest twoPlaceholders = request(Task.SCORE).setText("<image> and <image>")
                .setImages(List.of(ImageInput.newBuilder().setUri("file:///etc/passwd").build())).build();
        LoadedModel gpt2 = TestModels.tinyGpt2();
        PromptRequest toGpt2 = PromptRequest.newBuilder(notAnImage).setModel(gpt2.name()).build();

        assertThat(router.handle(item(notAnImage), TokenSink.DISCARD).getError().getCode())
                .isEqualTo(ErrorCodes.INVALID_INPUT);
        ScoringResult outside = router.handle(item(twoPlaceholders), TokenSink.DISCARD);
        assertThat(outside.getError().getCode()).isEqualTo(ErrorCodes.INVALID_INPUT);
        assertThat(outside.getError().getMessage()).contains("outside the directories");
        ScoringResult textOnly = new TaskRouter(gpt2, "w").handle(item(toGpt2), TokenSink.DISCARD);
        assertThat(textOnly.getError().getCode()).isEqualTo(ErrorCodes.INVALID_INPUT);
        assertThat(textOnly.getError().getMessage()).contains("reads text only");
    }

    /** The image mirrored left to right, as a PNG in a temporary file. */
    static Path flipped(byte[] png) throws Exception {
        java.awt.image.BufferedImage in = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
        java.awt.image.BufferedImage out = new java.awt.image.BufferedImage(in.getWidth(), in.getHeight(),
                java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < in.getHeight(); y++) {
            for (int x = 0; x < in.getWidth(); x++) {
                out.setRGB(in.getWidth() - 1 - x, y, in.getRGB(x, y));
            }
        }
        Path f = Files.createTempFile("flipped", ".png");
        javax.imageio.ImageIO.write(out, "png", f.toFile());
        return f;
    }

    public static int argmaxOfLastPosition(JsonNode p) {
        JsonNode last = p.get("logits_sample").get(p.get("logits_sample").size() - 1);
        int best = 0;
        for (int j = 1; j < last.size(); j++) {
            if (last.get(j).asDouble() > last.get(best).asDouble()) {
                best = j;
            }
        }
        return p.get("columns").get(best).asInt();
    }

    static double[] probabilities(JsonNode p) {
        double[] out = new double[4];
        for (int i = 0; i < 4; i++) {
            out[i] = p.get("choice").get("probability").get(i).asDouble();
        }
        return out;
    }

    static double[] probabilities(ScoringResult r) {
        assertThat(r.getStatus()).as(String.valueOf(r.getError())).isEqualTo(ResultStatus.OK);
        return r.getChoice().getCandidates().stream().mapToDouble(c -> c.getProbability()).toArray();
    }

    static List<Integer> ints(JsonNode a) {
        return java.util.stream.IntStream.of(TestModels.ints(a)).boxed().toList();
    }

    private static PromptRequest.Builder request(Task task) {
        return PromptRequest.newBuilder().setRequestId("r-" + System.nanoTime()).setModel(model.name()).setTask(task);
    }

    private static WorkItem item(PromptRequest request) {
        long now = System.currentTimeMillis();
        return new WorkItem(request, now, now);
    }
}
