package io.logitstream.worker.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Java side needs from a SentencePiece {@code tokenizer.model} (a serialized
 * {@code sentencepiece.ModelProto}): the pieces with their types, the normaliser flags that decoding
 * depends on, and the unknown-token surface. Read with a minimal protobuf wire-format reader, since
 * DJL's SentencePiece binding exposes neither the piece types nor the vocabulary size.
 *
 * <p>Field numbers are those of sentencepiece_model.proto: ModelProto {1 pieces, 2 trainer_spec,
 * 3 normalizer_spec}; SentencePiece {1 piece, 2 score, 3 type}; TrainerSpec {44 unk_surface};
 * NormalizerSpec {3 add_dummy_prefix, 4 remove_extra_whitespaces}.
 */
final class SentencePieceModel {
    /** SentencePiece.Type values. */
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int BYTE = 6;

    private static final String DEFAULT_UNK_SURFACE = " \u2047 ";

    private final byte[] bytes;
    private final List<String> pieces = new ArrayList<>();
    private final List<Integer> types = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private boolean addDummyPrefix = true;
    private boolean removeExtraWhitespaces = true;
    private String unkSurface = DEFAULT_UNK_SURFACE;
    private int unkId = -1;

    private SentencePieceModel(byte[] bytes) {
        this.bytes = bytes;
        parseModel(bytes);
        for (int i = 0; i < pieces.size(); i++) {
            ids.putIfAbsent(pieces.get(i), i);
            if (types.get(i) == UNKNOWN && unkId < 0) {
                unkId = i;
            }
        }
        if (pieces.isEmpty()) {
            throw new TokenizerException("the SentencePiece model has no pieces");
        }
    }

    static SentencePieceModel parse(byte[] bytes) {
        try {
            return new SentencePieceModel(bytes);
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new TokenizerException("not a SentencePiece model: " + e.getMessage(), e);
        }
    }

    /** The model bytes as they were read. */
    byte[] bytes() {
        return bytes.clone();
    }

    /**
     * The model with {@code normalizer_spec.add_dummy_prefix = false}, as transformers'
     * LlamaTokenizer loads it when {@code legacy} is false. An appended embedded message merges
     * into the earlier one (protobuf semantics; what transformers' {@code MergeFrom} does too).
     */
    byte[] withoutDummyPrefix() {
        byte[] out = java.util.Arrays.copyOf(bytes, bytes.length + 4);
        out[bytes.length] = (byte) ((3 << 3) | 2); // field 3, length-delimited
        out[bytes.length + 1] = 2;
        out[bytes.length + 2] = (byte) (3 << 3); // field 3, varint
        out[bytes.length + 3] = 0;
        return out;
    }

    int size() {
        return pieces.size();
    }

    String piece(int id) {
        return pieces.get(id);
    }

    int type(int id) {
        return types.get(id);
    }

    /** Like SentencePiece's PieceToId: the unknown id for a string that is no piece. */
    int pieceToId(String piece) {
        Integer id = ids.get(piece);
        return id != null ? id : unkId;
    }

    /** The piece's id, or null when the string is no piece. */
    Integer exactId(String piece) {
        return ids.get(piece);
    }

    int unkId() {
        return unkId;
    }

    String unkSurface() {
        return unkSurface;
    }

    boolean addDummyPrefix() {
        return addDummyPrefix;
    }

    boolean removeExtraWhitespaces() {
        return removeExtraWhitespaces;
    }

    /** The byte of a byte-fallback piece ({@code <0xE4>}). */
    int pieceByte(int id) {
        return Integer.parseInt(pieces.get(id).substring(3, 5), 16);
    }

    // --- protobuf wire format -------------------------------------------------------------

    private void parseModel(byte[] b) {
        Reader r = new Reader(b, 0, b.length);
        while (r.more()) {
            int key = (int) r.varint();
            int field = key >>> 3;
            if (field == 1 && (key & 7) == 2) {
                parsePiece(r.sub());
            } else if (field == 2 && (key & 7) == 2) {
                parseTrainerSpec(r.sub());
            } else if (field == 3 && (key & 7) == 2) {
                parseNormalizerSpec(r.sub());
            } else {
                r.skip(key & 7);
            }
        }
    }

    private void parsePiece(Reader r) {
        String piece = "";
        int type = NORMAL;
        while (r.more()) {
            int key = (int) r.varint();
            switch (key) {
                case (1 << 3) | 2 -> piece = r.string();
                case 3 << 3 -> type = (int) r.varint();
                default -> r.skip(key & 7);
            }
        }
        pieces.add(piece);
        types.add(type);
    }

    private void parseTrainerSpec(Reader r) {
        while (r.more()) {
            int key = (int) r.varint();
            if (key == ((44 << 3) | 2)) {
                unkSurface = r.string();
            } else {
                r.skip(key & 7);
            }
        }
    }

    private void parseNormalizerSpec(Reader r) {
        while (r.more()) {
            int key = (int) r.varint();
            switch (key) {
                case 3 << 3 -> addDummyPrefix = r.varint() != 0;
                case 4 << 3 -> removeExtraWhitespaces = r.varint() != 0;
                default -> r.skip(key & 7);
            }
        }
    }

    /** A cursor over one message's bytes. */
    private static final class Reader {
        private final byte[] b;
        private int pos;
        private final int end;

        Reader(byte[] b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte x = b[pos++];
                v |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }

        Reader sub() {
            int len = Math.toIntExact(varint());
            if (len < 0 || pos + len > end) {
                throw new IllegalArgumentException("length past the end of the message");
            }
            Reader r = new Reader(b, pos, pos + len);
            pos += len;
            return r;
        }

        String string() {
            Reader s = sub();
            return new String(b, s.pos, s.end - s.pos, StandardCharsets.UTF_8);
        }

        void skip(int wireType) {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> sub();
                case 5 -> pos += 4;
                default -> throw new IllegalArgumentException("unsupported wire type " + wireType);
            }
            if (pos > end) {
                throw new IllegalArgumentException("field past the end of the message");
            }
        }
    }
}
