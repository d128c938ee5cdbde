package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Scalars;
import ai.djl.ndarray.NDArray;

/** The two-layer feed-forward block of GPT-2: {@code proj(act(fc(x)))}. */
public final class Mlp implements FeedForward {
    private final Linear fc;
    private final Linear proj;
    private final Activation activation;
    private final Scalars scalars;

    public Mlp(Linear fc, Linear proj, Activation activation, Scalars scalars) {
        this.fc = fc;
        this.proj = proj;
        this.activation = activation;
        this.scalars = scalars;
    }

    @Override
    public NDArray forward(NDArray x) {
        try (NDArray h = fc.forward(x);
                NDArray a = activation.apply(h, scalars)) {
            return proj.forward(a);
        }
    }
}
