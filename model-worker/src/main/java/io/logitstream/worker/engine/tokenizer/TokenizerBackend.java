package io.logitstream.worker.engine.tokenizer;

/**
 * One way of turning text into ids and back, behind {@link TextTokenizer}: the Rust
 * {@code tokenizers} library over {@code tokenizer.json}, or SentencePiece over {@code tokenizer.model}.
 */
interface TokenizerBackend extends AutoCloseable {

    /** The text's ids; with {@code addSpecialTokens} the model's own (BOS etc.), as transformers adds them. */
    int[] encode(String text, boolean addSpecialTokens);

    /** transformers' {@code decode} without the {@code clean_up_tokenization_spaces} rewrite. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** The id of one token string (an added/special token or a vocabulary entry), or null. */
    Integer tokenToId(String token);

    /**
     * The id of a command token a tokenizer class defines outside its vocabulary files (ChatGLM's
     * {@code [gMASK]}, {@code sop}, role tokens), or null: most tokenizers have none.
     */
    default Integer commandId(String token) {
        return null;
    }

    /**
     * The model tokenizer's own ids for the text, without the added-token split and without
     * special tokens (ChatGLM's {@code SPTokenizer.encode}); for most tokenizers the same as
     * {@code encode(text, false)}.
     */
    default int[] encodeWithoutAddedTokens(String text) {
        return encode(text, false);
    }

    /** The special-token strings in effect (from the tokenizer files and the class defaults). */
    SpecialTokens specialTokens();

    @Override
    void close();
}
