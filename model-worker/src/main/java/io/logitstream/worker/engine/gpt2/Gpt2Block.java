package io.logitstream.worker.engine.gpt2;

import ai.djl.ndarray.NDArray;
import io.logitstream.worker.engine.layers.FeedForward;
import io.logitstream.worker.engine.layers.LayerContext;
import io.logitstream.worker.engine.layers.MultiHeadAttention;
import io.logitstream.worker.engine.layers.Norm;
import io.logitstream.worker.engine.layers.Torch;

/** A pre-norm GPT-2 block: {@code x + attn(ln_1(x))}, then {@code + mlp(ln_2(.))}. */
final class Gpt2Block {
    private final Norm ln1;
    private final MultiHeadAttention attention;
    private final Norm ln2;
    private final FeedForward mlp;

    Gpt2Block(Norm ln1, MultiHeadAttention attention, Norm ln2, FeedForward mlp) {
        this.ln1 = ln1;
        this.attention = attention;
        this.ln2 = ln2;
        this.mlp = mlp;
    }

    NDArray forward(NDArray x, int layer, LayerContext ctx) {
        NDArray normed = ln1.forward(x);
        NDArray attended = attention.forward(normed, layer, ctx);
        normed.close();
        NDArray h = Torch.addInPlace(attended, x);
        NDArray normed2 = ln2.forward(h);
        NDArray out = mlp.forward(normed2);
        normed2.close();
        return Torch.addInPlace(out, h);
    }
}
