package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The gated feed-forward block of Llama/Mistral/Qwen2: {@code down(act(gate(x)) * up(x))}.
 * gate and up are fused into one GEMM at load ({@link Linear#concat}); the halves are views.
 */
public final class GatedMlp implements FeedForward {
    private final Linear gateUp;
    private final Linear down;
    private final Activation activation;
    private final Scalars scalars;
    private final long intermediate;

    public GatedMlp(NDManager manager, Linear gate, Linear up, Linear down, Activation activation, Scalars scalars) {
        this(Linear.concat(manager, gate, up), down, activation, scalars);
    }

    /**
     * From a checkpoint that stores gate and up fused already (GLM's {@code gate_up_proj},
     * ChatGLM's {@code dense_h_to_4h}): {@code gateUp} [2 x intermediate, hidden], the gate's
     * rows first.
     */
    public GatedMlp(Linear gateUp, Linear down, Activation activation, Scalars scalars) {
        if (gateUp.outFeatures() != 2 * down.inFeatures()) {
            throw new IllegalArgumentException("fused gate/up projection has " + gateUp.outFeatures()
                    + " outputs, expected 2 x " + down.inFeatures() + " (the down projection's input)");
        }
        this.gateUp = gateUp;
        this.down = down;
        this.activation = activation;
        this.scalars = scalars;
        this.intermediate = down.inFeatures();
    }

    @Override
    public NDArray forward(NDArray x) {
        NDManager scope = x.getManager();
        try (NDArray gu = gateUp.forward(x);
                NDArray gate = Torch.narrow(gu, gu.getShape().dimension() - 1, 0, intermediate, scope);
                NDArray up = Torch.narrow(gu, gu.getShape().dimension() - 1, intermediate, 2 * intermediate, scope);
                NDArray act = activation.apply(gate, scalars)) {
            Torch.mulInPlace(act, up);
            return down.forward(act);
        }
    }
}
