package io.logitstream.worker.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.TestModels;
import java.nio.file.Files;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Decoding and bicubic resizing against PIL (fixtures/golden/tiny-internvl.json): PNG decoding
 * (RGB, RGBA with the alpha dropped, grey) and {@code Image.resize(BICUBIC)} up and down agree
 * exactly; the JDK's JPEG decoder agrees with libjpeg within a few levels.
 */
class PilCompatibilityTest {
    private static final JsonNode GOLDEN = TestModels.golden("tiny-internvl");

    private static RgbImage decode(String path) throws Exception {
        return ImageDecoder.decode(Files.readAllBytes(TestModels.root().resolve(path)));
    }

    private static int maxDiff(RgbImage image, JsonNode golden) {
        byte[] want = Base64.getDecoder().decode(golden.get("rgb_base64").asText());
        assertThat(image.width()).isEqualTo(golden.get("width").asInt());
        assertThat(image.height()).isEqualTo(golden.get("height").asInt());
        int max = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs((want[i] & 0xFF) - (image.pixels()[i] & 0xFF)));
        }
        return max;
    }

    @Test
    void bicubicResizeUpAndDownEqualsPil() throws Exception {
        for (JsonNode c : GOLDEN.get("resized")) {
            RgbImage resized = BicubicResampler.resize(decode(c.get("image").asText()), c.get("width").asInt(),
                    c.get("height").asInt());
            assertThat(maxDiff(resized, c)).as("%s to %sx%s", c.get("image"), c.get("width"), c.get("height"))
                    .isZero();
        }
    }

    @Test
    void jpegDecodesWithinAFewLevelsOfLibjpeg() throws Exception {
        JsonNode c = GOLDEN.get("jpeg");
        int max = maxDiff(decode(c.get("image").asText()), c);
        System.out.println("JPEG: max |JDK - PIL| = " + max + " levels");
        assertThat(max).isLessThanOrEqualTo(2);
    }

    @Test
    void notAnImageIsAClearError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ImageDecoder.decode("hello".getBytes()))
                .isInstanceOf(ImageException.class).hasMessageContaining("not in a format this worker reads");
    }
}
