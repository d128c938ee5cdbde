package io.logitstream.worker.engine.internvl;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.llama.LlamaStyleModel;
import io.logitstream.worker.engine.weights.Checkpoint;
import java.util.List;

/**
 * Where an InternVL checkpoint keeps its three parts. Two layouts hold the same blocks:
 *
 * <ul>
 *   <li>{@link #HUB}, transformers' {@code InternVLForConditionalGeneration}: {@code vision_tower.*}
 *       ({@code embeddings.cls_token}, {@code embeddings.patch_embeddings.projection},
 *       {@code embeddings.position_embeddings}, {@code encoder.layer.N.attention.{q,k,v}_proj},
 *       {@code projection_layer}, {@code q_norm}/{@code k_norm}, {@code lambda_1/2},
 *       {@code layernorm_before/after}, {@code mlp.fc1/fc2}), {@code multi_modal_projector.{layer_norm,
 *       linear_1, linear_2}} and the language model under {@code language_model.model.*} as saved (or
 *       {@code model.language_model.*} as named at run time) with {@code lm_head} at the top;
 *       every name may also carry a leading {@code model.}.
 *   <li>{@link #CHAT}, the original {@code internvl_chat} folders: {@code vision_model.*}
 *       ({@code embeddings.class_embedding}, {@code embeddings.patch_embedding},
 *       {@code embeddings.position_embedding}, {@code encoder.layers.N.attn.qkv} (q, k and v stacked),
 *       {@code attn.proj}, {@code attn.q_norm/k_norm}, {@code ls1/ls2}, {@code norm1/norm2},
 *       {@code mlp.fc1/fc2}), {@code mlp1.{0,1,3}} and the language model's own checkpoint under
 *       {@code language_model.} (Qwen2, Llama or InternLM2, each in its usual names).
 * </ul>
 */
public abstract class InternVlLayout {

    public static final InternVlLayout HUB = new InternVlLayout() {
        @Override
        String vision(String name) {
            return "vision_tower." + name.replace("class_embedding", "cls_token")
                    .replace("patch_embedding.", "patch_embeddings.projection.")
                    .replace("position_embedding", "position_embeddings")
                    .replace("encoder.layers.", "encoder.layer.")
                    .replace("attn.proj.", "attention.projection_layer.")
                    .replace("attn.", "attention.")
                    .replace(".ls1", ".lambda_1").replace(".ls2", ".lambda_2")
                    .replace(".norm1.", ".layernorm_before.").replace(".norm2.", ".layernorm_after.")
                    .replace("post_layernorm.", "layernorm.");
        }

        @Override
        String projector(int index) {
            return "multi_modal_projector." + List.of("layer_norm", "linear_1", "", "linear_2").get(index);
        }

        @Override
        Linear qkv(Checkpoint w, String attention, boolean bias, long width, NDManager tmp, NDManager manager) {
            String a = vision(attention);
            Linear q = LlamaStyleModel.linear(w, a + "q_proj", bias, tmp, width, width);
            Linear k = LlamaStyleModel.linear(w, a + "k_proj", bias, tmp, width, width);
            Linear v = LlamaStyleModel.linear(w, a + "v_proj", bias, tmp, width, width);
            return Linear.concat(manager, q, k, v);
        }

        @Override
        Checkpoint languageModel(Checkpoint w) {
            return w.renamed(name -> firstPresent(w, name.startsWith("model.")
                    ? List.of("language_model." + name, "model.language_model." + name.substring(6),
                            "language_model." + name.substring(6))
                    : List.of(name, "language_model." + name, "model." + name)));
        }

        @Override
        Checkpoint resolving(Checkpoint w) {
            return w.renamed(name -> firstPresent(w, List.of(name, "model." + name)));
        }
    };

    public static final InternVlLayout CHAT = new InternVlLayout() {
        @Override
        String vision(String name) {
            return "vision_model." + name;
        }

        @Override
        String projector(int index) {
            return "mlp1." + index;
        }

        @Override
        Linear qkv(Checkpoint w, String attention, boolean bias, long width, NDManager tmp, NDManager manager) {
            return LlamaStyleModel.linear(w, vision(attention) + "qkv", bias, manager, 3 * width, width);
        }

        @Override
        Checkpoint languageModel(Checkpoint w) {
            return w.renamed(name -> "language_model." + name);
        }

        @Override
        Checkpoint resolving(Checkpoint w) {
            return w;
        }
    };

    /**
     * The stored name of a vision tensor given by its original InternViT name relative to
     * {@code vision_model.} (e.g. {@code encoder.layers.3.attn.proj.weight}).
     */
    abstract String vision(String originalName);

    /** The prefix of projector layer {@code index} of {@code mlp1} (0 LayerNorm, 1 and 3 Linear). */
    abstract String projector(int index);

    /**
     * q, k and v of a vision layer's attention as one projection [3 * width, width].
     *
     * @param attention the original prefix, e.g. {@code encoder.layers.3.attn.}
     */
    abstract Linear qkv(Checkpoint w, String attention, boolean bias, long width, NDManager tmp, NDManager manager);

    /** The language model's weights under the names its own architecture loads them by. */
    abstract Checkpoint languageModel(Checkpoint w);

    /** The vision and projector weights under the names this layout gives them. */
    abstract Checkpoint resolving(Checkpoint w);

    /** The first of {@code candidates} stored in {@code w}, else the first (so a miss names it). */
    static String firstPresent(Checkpoint w, List<String> candidates) {
        for (String c : candidates) {
            if (w.has(c)) {
                return c;
            }
        }
        return candidates.get(0);
    }
}
