package io.logitstream.worker.engine.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.logitstream.worker.engine.layers.Activation;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.layers.Norm;
import io.logitstream.worker.engine.layers.ScaledDotProduct;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;

/**
 * One InternViT block: {@code x + ls1 * attn(norm1(x))}, then {@code x + ls2 * mlp(norm2(x))}.
 * The attention is bidirectional over all patches of a tile (no mask, no rotary); q and k may be
 * RMS-normalised over the full width before they are split into heads (qk-norm).
 */
final class InternVisionLayer {
    private final Norm norm1;
    private final Linear qkv;
    private final Norm qNorm;
    private final Norm kNorm;
    private final Linear proj;
    private final NDArray ls1;
    private final Norm norm2;
    private final Linear fc1;
    private final Linear fc2;
    private final NDArray ls2;
    private final Activation activation;
    private final int heads;
    private final Scalars scalars;
    private final float scale;

    /** @param qNorm the q RMSNorm, or null without qk-norm (then {@code kNorm} is null too) */
    InternVisionLayer(Norm norm1, Linear qkv, Norm qNorm, Norm kNorm, Linear proj, NDArray ls1, Norm norm2,
            Linear fc1, Linear fc2, NDArray ls2, Activation activation, int heads, Scalars scalars) {
        this.norm1 = norm1;
        this.qkv = qkv;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        this.proj = proj;
        this.ls1 = ls1;
        this.norm2 = norm2;
        this.fc1 = fc1;
        this.fc2 = fc2;
        this.ls2 = ls2;
        this.activation = activation;
        this.heads = heads;
        this.scalars = scalars;
        this.scale = (float) Math.pow(proj.inFeatures() / heads, -0.5);
    }

    /** [tiles, tokens, width] to the same shape; temporaries in {@code x}'s manager. */
    NDArray forward(NDArray x) {
        long tiles = x.getShape().get(0);
        long n = x.getShape().get(1);
        long width = x.getShape().get(2);
        long d = width / heads;
        NDList parts = qkv.forward(norm1.forward(x)).split(3, 2);
        NDArray q = parts.get(0);
        NDArray k = parts.get(1);
        if (qNorm != null) {
            q = qNorm.forward(q);
            k = kNorm.forward(k);
        }
        q = Torch.mulInPlace(q.reshape(tiles, n, heads, d).transpose(0, 2, 1, 3).duplicate(), scalars.of(scale));
        k = k.reshape(tiles, n, heads, d).transpose(0, 2, 1, 3);
        NDArray v = parts.get(2).reshape(tiles, n, heads, d).transpose(0, 2, 1, 3);
        NDArray attended = ScaledDotProduct.attend(q, k, v, null).transpose(0, 2, 1, 3).reshape(tiles, n, width);
        NDArray h = Torch.addInPlace(Torch.mulInPlace(proj.forward(attended), ls1), x);
        NDArray mlp = fc2.forward(activation.apply(fc1.forward(norm2.forward(h)), scalars));
        return Torch.addInPlace(Torch.mulInPlace(mlp, ls2), h);
    }
}
