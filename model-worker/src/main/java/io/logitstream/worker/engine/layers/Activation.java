package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Locale;

/**
 * The activation functions named by {@code activation_function} / {@code hidden_act}, computed
 * with the same formula as transformers so that fp32 results agree to rounding.
 */
public enum Activation {
    /** transformers' NewGELUActivation (GPT-2): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    GELU_NEW,
    /** Exact erf GELU (torch's default). */
    GELU,
    /** SiLU / swish: x * sigmoid(x) (Llama family). */
    SILU,
    RELU;

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    public static Activation fromConfig(String name) {
        switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "gelu_new":
            case "gelu_pytorch_tanh":
            case "gelu_fast":
                return GELU_NEW;
            case "gelu":
                return GELU;
            case "silu":
            case "swish":
                return SILU;
            case "relu":
                return RELU;
            default:
                throw new IllegalArgumentException("unsupported activation function '" + name
                        + "' (supported: gelu_new, gelu_pytorch_tanh, gelu, silu, relu)");
        }
    }

    /** Applies the activation; the result is a new tensor in {@code x}'s manager. */
    public NDArray apply(NDArray x, Scalars c) {
        switch (this) {
            case GELU_NEW: {
                // x^3 as x*x*x: pow with a tensor exponent took 7.2 ms on a [2048, 256] activation where
                // the whole GELU now takes 1.3 ms (bench/results); the difference is ~2e-7.
                NDArray inner = x.mul(x);
                Torch.mulInPlace(inner, x);
                Torch.mulInPlace(inner, c.of(0.044715f));
                Torch.addInPlace(inner, x);
                Torch.mulInPlace(inner, c.of(SQRT_2_OVER_PI));
                NDArray t = inner.tanh();
                inner.close();
                Torch.addInPlace(t, c.of(1f));
                Torch.mulInPlace(t, x);
                return Torch.mulInPlace(t, c.of(0.5f));
            }
            case GELU:
                return JniUtils.gelu(Torch.pt(x));
            case SILU: {
                NDArray s = JniUtils.sigmoid(Torch.pt(x));
                return Torch.mulInPlace(s, x);
            }
            case RELU:
                return JniUtils.relu(Torch.pt(x));
            default:
                throw new AssertionError(this);
        }
    }
}
