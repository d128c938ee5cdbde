package io.logitstream.worker.engine.internlm2;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import io.logitstream.worker.engine.llama.LlamaStyleModel;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * InternLM2 / InternLM2.5 ({@code model_type: internlm2}, the remote-code
 * {@code InternLM2ForCausalLM} of {@code modeling_internlm2.py}): a Llama-style decoder (RMSNorm
 * pre-norm blocks, rotary grouped-query attention, gated SiLU MLP) whose weights are stored under
 * other names and with q/k/v packed per key/value group ({@link InternLm2Layout}); the packing is
 * undone once at load, after which the forward is the shared Llama-style one.
 *
 * <p>Dynamic NTK rope ({@code rope_scaling: {type: dynamic, factor}}, as InternLM2.5 ships)
 * behaves as for {@code llama}: each forward uses the frequencies of its own
 * {@code max(position_ids) + 1} once that exceeds {@code max_position_embeddings}. The remote code
 * keys the rescaling on the key length instead (past plus current tokens, padding included) and,
 * like older transformers, keeps the largest length it has seen for later calls; the two agree for
 * an unpadded sequence in a freshly loaded model, and differ only past
 * {@code max_position_embeddings} (32768 for InternLM2.5-7B) with left padding or reused state.
 */
public final class InternLm2Model extends LlamaStyleModel {
    public static final String MODEL_TYPE = "internlm2";

    private InternLm2Model(ModelConfig config, LlamaStyleConfig cfg, Checkpoint w, NDManager manager) {
        super(config, cfg, w, manager, InternLm2Layout.INSTANCE);
    }

    /**
     * Loads the weights into {@code manager} (which the model then owns). An XComposer-2.5 folder
     * (also {@code model_type: internlm2}, told apart by its architecture) loads as
     * {@link XComposer2Model}, which refuses images instead of treating them as absent.
     */
    public static LlamaStyleModel load(ModelConfig config, Checkpoint weights, NDManager manager) {
        if (XComposer2Model.matches(config)) {
            return XComposer2Model.load(config, weights, manager);
        }
        return new InternLm2Model(config, InternLm2Config.parse(config), weights, manager);
    }
}
