package io.logitstream.worker.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * SentencePiece's {@code DecodePieces} in Java (sentencepiece_processor.cc, 0.2.x): control pieces
 * vanish, {@code <unk>} shows as the unknown surface, a string that is no piece shows as itself,
 * runs of byte-fallback pieces become UTF-8 text with one U+FFFD per invalid byte, {@code ▁} becomes
 * a space, and the text's first {@code ▁} goes when the model adds a dummy prefix or squeezes
 * whitespace (squeezing: every leading {@code ▁} up to the first visible text).
 *
 * <p>Decoding is done here rather than by DJL's native binding because that binding returns the
 * text through JNI's modified UTF-8, which garbles characters outside the BMP (emoji).
 */
final class SentencePieceDecoder {
    private static final String SPACE_SYMBOL = "\u2581";
    private static final String REPLACEMENT = "\uFFFD";

    private final SentencePieceModel model;
    private final boolean stripLeadingSpace;
    private final boolean removeExtraWhitespaces;

    /** @param addDummyPrefix the effective flag (false when transformers loaded the model with legacy=false) */
    SentencePieceDecoder(SentencePieceModel model, boolean addDummyPrefix) {
        this.model = model;
        this.removeExtraWhitespaces = model.removeExtraWhitespaces();
        this.stripLeadingSpace = addDummyPrefix || removeExtraWhitespaces;
    }

    String decode(List<String> pieces) {
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean atStart = true;
        boolean spaceConsumed = false;
        for (String piece : pieces) {
            int id = model.pieceToId(piece);
            if (id >= 0 && model.type(id) == SentencePieceModel.BYTE && model.piece(id).equals(piece)) {
                bytes.write(model.pieceByte(id));
                continue;
            }
            flushBytes(bytes, text);
            // as SentencePiece: only one leading ▁ goes, unless whitespace is squeezed
            atStart = atStart && !spaceConsumed && text.length() == 0;
            spaceConsumed = false;
            if (atStart && isPlain(id) && stripLeadingSpace && piece.startsWith(SPACE_SYMBOL)) {
                piece = piece.substring(SPACE_SYMBOL.length());
                spaceConsumed = !removeExtraWhitespaces;
            }
            text.append(surface(piece, id));
        }
        flushBytes(bytes, text);
        return text.toString();
    }

    private boolean isPlain(int id) {
        return id < 0 || (model.type(id) != SentencePieceModel.CONTROL && model.type(id) != SentencePieceModel.UNKNOWN);
    }

    private String surface(String piece, int id) {
        if (id >= 0) {
            int type = model.type(id);
            if (type == SentencePieceModel.CONTROL) {
                return "";
            }
            if (type == SentencePieceModel.UNKNOWN) {
                return model.piece(id).equals(piece) ? model.unkSurface() : piece;
            }
        }
        return piece.replace(SPACE_SYMBOL, " ");
    }

    /** Appends the pending bytes as text: each valid UTF-8 sequence as its character, each other byte as U+FFFD. */
    private static void flushBytes(ByteArrayOutputStream pending, StringBuilder text) {
        if (pending.size() == 0) {
            return;
        }
        byte[] b = pending.toByteArray();
        pending.reset();
        int i = 0;
        while (i < b.length) {
            int len = validSequenceLength(b, i);
            if (len == 0) {
                text.append(REPLACEMENT);
                i++;
            } else {
                text.append(new String(b, i, len, StandardCharsets.UTF_8));
                i += len;
            }
        }
    }

    /** The length of the valid UTF-8 sequence at {@code i}, or 0 (SentencePiece's DecodeUTF8). */
    static int validSequenceLength(byte[] b, int i) {
        int lead = b[i] & 0xff;
        int left = b.length - i;
        if (lead < 0x80) {
            return 1;
        }
        if ((lead & 0xE0) == 0xC0 && left >= 2 && trail(b[i + 1])) {
            int c = ((lead & 0x1F) << 6) | (b[i + 1] & 0x3F);
            return c >= 0x80 ? 2 : 0;
        }
        if ((lead & 0xF0) == 0xE0 && left >= 3 && trail(b[i + 1]) && trail(b[i + 2])) {
            int c = ((lead & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
            return c >= 0x800 && (c < 0xD800 || c > 0xDFFF) ? 3 : 0;
        }
        if ((lead & 0xF8) == 0xF0 && left >= 4 && trail(b[i + 1]) && trail(b[i + 2]) && trail(b[i + 3])) {
            int c = ((lead & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
            return c >= 0x10000 && c <= 0x10FFFF ? 4 : 0;
        }
        return 0;
    }

    private static boolean trail(byte x) {
        return (x & 0xC0) == 0x80;
    }
}
