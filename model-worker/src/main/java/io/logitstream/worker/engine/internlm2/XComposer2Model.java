package io.logitstream.worker.engine.internlm2;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.ImagesNotImplemented;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import io.logitstream.worker.engine.llama.LlamaStyleModel;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * InternLM-XComposer2 / 2.5 ({@code architectures: InternLMXComposer2ForCausalLM}, remote code
 * {@code modeling_internlm_xcomposer2.py}), text only. XComposer2's folders say
 * {@code model_type: internlmxcomposer2}; XComposer-2.5's say {@code internlm2} and are told apart
 * by the architecture.
 *
 * <p>The decoder is InternLM2's with the same tensor names ({@code model.layers.N.attention.wqkv.weight},
 * ...). Each of its linear layers is a Partial LoRA ({@code PLoRA} in {@code build_mlp.py}): a base
 * {@code nn.Linear} plus {@code Plora_A}/{@code Plora_B} whose product is added only at the positions of
 * {@code im_mask}, the image embeddings; with no image position it adds {@code 0 * Plora_B(Plora_A(x))}
 * to the first row, so a text-only forward is InternLM2's forward on the base weights. The LoRA tensors
 * ({@code ...wqkv.Plora_A.weight}, ...), the CLIP tower ({@code vit.vision_tower.*}), its projector
 * ({@code vision_proj.*}) and the learned separators ({@code plora_glb_GN}, {@code plora_sub_GN}) are
 * never read: the checkpoint only loads the tensors a model asks for. Requests with images are refused
 * ({@link ImagesNotImplemented}).
 *
 * <p>Config: InternLM2's fields ({@link InternLm2Config}); {@code max_length} (16384 in XComposer-2.5)
 * only truncates the remote code's interleaved image-text embeddings and, as a generation default,
 * bounds prompt plus reply like transformers' {@code max_length}; the context is
 * {@code max_position_embeddings} times the dynamic rope factor, as for InternLM2.
 */
public final class XComposer2Model extends LlamaStyleModel implements ImagesNotImplemented {
    public static final String MODEL_TYPE = "internlmxcomposer2";
    public static final String ARCHITECTURE = "InternLMXComposer2ForCausalLM";

    private XComposer2Model(ModelConfig config, LlamaStyleConfig cfg, Checkpoint w, NDManager manager) {
        super(config, cfg, w, manager, InternLm2Layout.INSTANCE);
    }

    /** Loads the decoder's weights into {@code manager} (which the model then owns). */
    public static XComposer2Model load(ModelConfig config, Checkpoint weights, NDManager manager) {
        return new XComposer2Model(config, InternLm2Config.parse(config), weights, manager);
    }

    /** Whether config.json is XComposer's: its model type, or {@code architectures[0]} for 2.5's {@code internlm2}. */
    public static boolean matches(ModelConfig config) {
        if (MODEL_TYPE.equals(config.modelType())) {
            return true;
        }
        JsonNode architectures = config.raw().path("architectures");
        return architectures.isArray() && architectures.size() > 0
                && ARCHITECTURE.equals(architectures.get(0).asText());
    }

    @Override
    public String imagesRefusal() {
        return "InternLM-XComposer reads images through its CLIP vision tower (vit, vision_proj, plora_glb_GN/"
                + "plora_sub_GN) and Partial LoRA (Plora_A/Plora_B) at the image positions of every decoder "
                + "layer, which this worker does not implement; it serves this model's text-only forward "
                + "(send the request without images)";
    }
}
