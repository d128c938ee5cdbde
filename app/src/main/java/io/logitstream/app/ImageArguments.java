package io.logitstream.app;

import io.logitstream.contract.ImageLimits;
import io.logitstream.schema.ImageInput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code send --image}: each argument is a URI the worker fetches ({@code https://}, {@code http://},
 * {@code file://}) or a local file sent inline, refused here when the inline images exceed
 * {@link ImageLimits#MAX_INLINE_BYTES} (the topology would dead-letter the request).
 */
final class ImageArguments {
    private ImageArguments() {
    }

    static List<ImageInput> inputs(List<String> arguments) {
        List<ImageInput> out = new ArrayList<>();
        long inline = 0;
        for (String a : arguments) {
            String lower = a.toLowerCase(Locale.ROOT);
            if (lower.startsWith("https://") || lower.startsWith("http://") || lower.startsWith("file://")) {
                out.add(ImageInput.newBuilder().setUri(a).build());
                continue;
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(Path.of(a));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --image " + a + ": " + e.getMessage(), e);
            }
            inline += bytes.length;
            if (inline > ImageLimits.MAX_INLINE_BYTES) {
                throw new IllegalArgumentException("inline images take " + inline + " bytes, more than "
                        + ImageLimits.MAX_INLINE_BYTES + " (Kafka's 1 MiB message limit): put " + a + " where the "
                        + "workers can fetch it and pass its https:// or file:// URI instead");
            }
            out.add(ImageInput.newBuilder().setData(ByteBuffer.wrap(bytes)).setMimeType(mime(lower)).build());
        }
        return out;
    }

    private static String mime(String name) {
        if (name.endsWith(".png")) {
            return "image/png";
        }
        if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            return "image/jpeg";
        }
        return null;
    }
}
