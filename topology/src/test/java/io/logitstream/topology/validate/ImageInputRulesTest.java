package io.logitstream.topology.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.ImageLimits;
import io.logitstream.schema.ImageInput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract of PromptRequest.images, checked before a request reaches a worker. */
class ImageInputRulesTest {
    private final RequestValidator validator = new RequestValidator();

    @Test
    void inlineDataAndUrisOfTheThreeSchemesAreValid() {
        assertThat(validate(List.of(data(100), uri("https://example.com/cat.png"), uri("http://h/x.jpg"),
                uri("file:///shared/images/a.png")))).isEmpty();
        assertThat(validate(List.of(ImageInput.newBuilder().setData(ByteBuffer.wrap(new byte[10]))
                .setMimeType("image/png").build()))).isEmpty();
    }

    @Test
    void eachImageNeedsExactlyOneNonEmptySource() {
        assertThat(validate(List.of(ImageInput.newBuilder().build())))
                .containsExactly("images[0] must set exactly one of data and uri");
        assertThat(validate(List.of(ImageInput.newBuilder().setData(ByteBuffer.wrap(new byte[1])).setUri("https://h/x")
                .build()))).containsExactly("images[0] must set exactly one of data and uri");
        assertThat(validate(List.of(data(0)))).containsExactly("images[0].data is empty");
        assertThat(validate(List.of())).containsExactly("images is empty: leave it unset for a text-only request");
    }

    @Test
    void urisMustBeHttpHttpsOrFileWithAHostOrPath() {
        assertThat(validate(List.of(uri("ftp://h/x.png")))).singleElement().asString()
                .contains("must be https://, http:// or file://");
        assertThat(validate(List.of(uri("cat.png")))).singleElement().asString()
                .contains("must be https://, http:// or file://");
        assertThat(validate(List.of(uri("https:///x.png")))).singleElement().asString().contains("names no host");
        assertThat(validate(List.of(uri("https://h/a b")))).singleElement().asString().contains("is not a URI");
    }

    @Test
    void inlineBytesAreLimitedInTotalAndImagesInNumber() {
        int half = ImageLimits.MAX_INLINE_BYTES / 2;
        assertThat(validate(List.of(data(half), data(half)))).isEmpty();
        assertThat(validate(List.of(data(half), data(half + 1)))).singleElement().asString()
                .contains("inline image data is 786433 bytes, at most 786432").contains("by uri");
        assertThat(validate(Collections.nCopies(ImageLimits.MAX_IMAGES + 1, uri("https://h/x"))))
                .containsExactly("at most 16 images, got 17");
    }

    @Test
    void mimeTypeMustBeAnImageTypeAndInputIdsCannotCarryImages() {
        assertThat(validate(List.of(ImageInput.newBuilder().setUri("https://h/x").setMimeType("text/html").build())))
                .singleElement().asString().contains("is not an image type");
        PromptRequest ids = PromptRequest.newBuilder().setRequestId("r").setModel("m").setTask(Task.SCORE)
                .setInputIds(List.of(1, 2)).setImages(List.of(data(3))).build();
        assertThat(validator.validate(ids).problems()).singleElement().asString().contains("not input_ids");
    }

    private List<String> validate(List<ImageInput> images) {
        return validator.validate(PromptRequest.newBuilder().setRequestId("r").setModel("m").setTask(Task.SCORE)
                .setText("<image> what is it?").setImages(images).build()).problems();
    }

    private static ImageInput data(int bytes) {
        return ImageInput.newBuilder().setData(ByteBuffer.wrap(new byte[bytes])).build();
    }

    private static ImageInput uri(String uri) {
        return ImageInput.newBuilder().setUri(uri).build();
    }
}
