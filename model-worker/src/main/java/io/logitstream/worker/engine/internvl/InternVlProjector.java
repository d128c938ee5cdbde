package io.logitstream.worker.engine.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.layers.Activation;
import io.logitstream.worker.engine.layers.LayerNorm;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * From vision tokens to language-model embeddings: drop the CLS token, pixel-shuffle the g x g grid
 * of patch tokens into (g r) x (g r) tokens r^-2 times as wide ({@code downsample_ratio} r = 0.5: 4
 * neighbouring patches per token), then LayerNorm, Linear, activation, Linear ({@code mlp1} /
 * {@code multi_modal_projector}).
 */
final class InternVlProjector {
    private final LayerNorm norm;
    private final Linear first;
    private final Linear second;
    private final Activation activation;
    private final Scalars scalars;
    private final double ratio;

    InternVlProjector(InternVlConfig cfg, Checkpoint w, NDManager manager, Scalars scalars) {
        InternVlLayout layout = cfg.layout();
        long in = (long) Math.round(cfg.vision().hidden() / (cfg.downsampleRatio() * cfg.downsampleRatio()));
        long out = cfg.languageModel().hiddenSize();
        this.norm = new LayerNorm(w.load(layout.projector(0) + ".weight", manager, in),
                w.load(layout.projector(0) + ".bias", manager, in), 1e-5);
        // as the weight mode says (int8 in a bitsandbytes folder and with --weights int8), like every Linear
        this.first = Linear.load(w, layout.projector(1), true, manager, out, in);
        this.second = Linear.load(w, layout.projector(3), true, manager, out, out);
        this.activation = cfg.projectorActivation();
        this.scalars = scalars;
        this.ratio = cfg.downsampleRatio();
    }

    /** Vision hidden states [tiles, 1 + g*g, width] to embeddings [tiles, (g r)^2, lm width]. */
    NDArray forward(NDArray visionStates) {
        long tiles = visionStates.getShape().get(0);
        long tokens = visionStates.getShape().get(1) - 1;
        long width = visionStates.getShape().get(2);
        int g = (int) Math.round(Math.sqrt(tokens));
        NDArray grid = Torch.narrow(visionStates, 1, 1, tokens + 1, visionStates.getManager()).reshape(tiles, g, g, width);
        NDArray shuffled = pixelShuffle(grid, tiles, g, width);
        NDArray h = first.forward(norm.forward(shuffled));
        return second.forward(activation.apply(h, scalars));
    }

    /**
     * transformers' / InternVL's {@code pixel_shuffle} (ps_version v2) on [B, g, g, C]: merge each
     * run of 1/r columns into the channels, transpose, merge each run of 1/r rows, transpose back;
     * then flatten the (g r) x (g r) grid row by row.
     */
    private NDArray pixelShuffle(NDArray x, long b, int g, long c) {
        long gs = Math.round(g * ratio);
        long c1 = Math.round(c / ratio);
        long c2 = Math.round(c / (ratio * ratio));
        NDArray y = x.reshape(b, g, gs, c1).transpose(0, 2, 1, 3);
        y = y.reshape(b, gs, gs, c2).transpose(0, 2, 1, 3);
        return y.reshape(b, gs * gs, c2);
    }
}
