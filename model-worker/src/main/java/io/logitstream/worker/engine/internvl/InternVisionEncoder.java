package io.logitstream.worker.engine.internvl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.layers.LayerNorm;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.layers.Norm;
import io.logitstream.worker.engine.layers.RmsNorm;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * InternViT: the vision encoder of InternVL. A tile [3, S, S] is cut into (S/p)^2 patches of p x p
 * pixels, each projected to the model width (a stride-p convolution, computed as one matrix
 * product over the flattened patches), a CLS token is put in front, learned absolute position
 * embeddings are added, and the {@link InternVisionLayer}s run over all tokens of each tile.
 */
final class InternVisionEncoder {
    private final InternVisionConfig cfg;
    private final Linear patchEmbedding;
    private final NDArray cls;
    private final NDArray positions;
    private final InternVisionLayer[] layers;
    private final Norm finalNorm;

    InternVisionEncoder(InternVisionConfig cfg, InternVlLayout layout, Checkpoint w, NDManager manager,
            Scalars scalars) {
        this.cfg = cfg;
        long c = cfg.hidden();
        int p = cfg.patchSize();
        long tokens = (long) cfg.grid() * cfg.grid() + 1;
        NDArray conv = w.load(layout.vision("embeddings.patch_embedding.weight"), manager, c, cfg.channels(), p, p);
        NDArray convBias = w.load(layout.vision("embeddings.patch_embedding.bias"), manager, c);
        patchEmbedding = Linear.fromOutIn(conv.reshape(c, (long) cfg.channels() * p * p), convBias);
        cls = w.load(layout.vision("embeddings.class_embedding"), manager, 1, 1, c);
        positions = w.load(layout.vision("embeddings.position_embedding"), manager, 1, tokens, c);
        layers = new InternVisionLayer[cfg.layers()];
        for (int i = 0; i < cfg.layers(); i++) {
            String l = "encoder.layers." + i + ".";
            try (NDManager tmp = manager.newSubManager()) {
                Linear qkv = layout.qkv(w, l + "attn.", cfg.qkvBias(), c, tmp, manager);
                Norm qNorm = cfg.qkNorm() ? new RmsNorm(w.load(layout.vision(l + "attn.q_norm.weight"), manager, c),
                        cfg.qkNormEps(), scalars) : null;
                Norm kNorm = cfg.qkNorm() ? new RmsNorm(w.load(layout.vision(l + "attn.k_norm.weight"), manager, c),
                        cfg.qkNormEps(), scalars) : null;
                layers[i] = new InternVisionLayer(norm(layout, w, l + "norm1.", manager, scalars), qkv, qNorm, kNorm,
                        linear(layout, w, l + "attn.proj", manager, c, c),
                        w.load(layout.vision(l + "ls1"), manager, c),
                        norm(layout, w, l + "norm2.", manager, scalars),
                        linear(layout, w, l + "mlp.fc1", manager, cfg.intermediate(), c),
                        linear(layout, w, l + "mlp.fc2", manager, c, cfg.intermediate()),
                        w.load(layout.vision(l + "ls2"), manager, c), cfg.activation(), cfg.heads(), scalars);
            }
        }
        finalNorm = cfg.finalNorm() ? new LayerNorm(w.load("vision_tower.layernorm.weight", manager, c),
                w.load("vision_tower.layernorm.bias", manager, c), cfg.eps()) : null;
    }

    private Norm norm(InternVlLayout layout, Checkpoint w, String prefix, NDManager m, Scalars scalars) {
        NDArray weight = w.load(layout.vision(prefix + "weight"), m, cfg.hidden());
        if (cfg.rmsNorm()) {
            return new RmsNorm(weight, cfg.eps(), scalars);
        }
        return new LayerNorm(weight, w.load(layout.vision(prefix + "bias"), m, cfg.hidden()), cfg.eps());
    }

    /**
     * A vision linear as the checkpoint's weight mode says: transformers' 8-bit loading replaces every
     * nn.Linear but the LM head, so a bitsandbytes folder stores these int8 and {@code --weights int8}
     * quantizes them like the attention's q/k/v.
     */
    private static Linear linear(InternVlLayout layout, Checkpoint w, String name, NDManager m, long out, long in) {
        String weight = layout.vision(name + ".weight"); // the layouts map whole tensor names
        return Linear.load(w, weight.substring(0, weight.length() - ".weight".length()), true, m, out, in);
    }

    /**
     * The hidden states after {@code layersToRun} layers, CLS token first: pixels [tiles, 3, S, S]
     * to [tiles, 1 + (S/p)^2, width], in {@code pixels}' manager.
     */
    NDArray forward(NDArray pixels, int layersToRun) {
        long tiles = pixels.getShape().get(0);
        int g = cfg.grid();
        int p = cfg.patchSize();
        // [T, C, g, p, g, p] -> [T, g, g, C, p, p]: each patch's pixels in the convolution weight's order
        NDArray patches = pixels.reshape(tiles, cfg.channels(), g, p, g, p).transpose(0, 2, 4, 1, 3, 5)
                .reshape(tiles, (long) g * g, (long) cfg.channels() * p * p);
        NDArray embedded = patchEmbedding.forward(patches);
        NDArray clsRows = cls.broadcast(new Shape(tiles, 1, cfg.hidden()));
        clsRows.attach(pixels.getManager());
        NDArray x = Torch.addInPlace(clsRows.concat(embedded, 1), positions);
        for (int i = 0; i < layersToRun; i++) {
            x = layers[i].forward(x);
        }
        return finalNorm != null && layersToRun == layers.length ? finalNorm.forward(x) : x;
    }
}
