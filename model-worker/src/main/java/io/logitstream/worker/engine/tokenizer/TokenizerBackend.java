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

    /** The special-token strings in effect (from the tokenizer files and the class defaults). */
    SpecialTokens specialTokens();

    @Override
    void close();
}
