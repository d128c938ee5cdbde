package io.logitstream.worker.engine;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.glm.GlmModel;
import io.logitstream.worker.engine.gpt2.Gpt2Model;
import io.logitstream.worker.engine.internlm2.InternLm2Model;
import io.logitstream.worker.engine.internlm2.XComposer2Model;
import io.logitstream.worker.engine.internvl.InternVlConfig;
import io.logitstream.worker.engine.internvl.InternVlModel;
import io.logitstream.worker.engine.llama.LlamaModel;
import io.logitstream.worker.engine.mistral.MistralModel;
import io.logitstream.worker.engine.qwen2.Qwen2Model;
import io.logitstream.worker.engine.qwen2moe.Qwen2MoeModel;
import io.logitstream.worker.engine.weights.Checkpoint;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The registry of architectures by {@code config.model_type}. Adding one is one line here plus
 * its package ({@code engine.llama}, ...), which builds itself from the shared layers; Llama-style
 * architectures reuse {@code engine.llama.LlamaStyleModel} and only parse their config (and, when
 * their weights are named or packed differently, say where they are: {@code LlamaStyleLayout}).
 */
public final class ModelArchitectures {

    /** Builds a model from its config and weights; the model owns {@code manager}. */
    @FunctionalInterface
    public interface Factory {
        CausalLanguageModel load(ModelConfig config, Checkpoint weights, NDManager manager);
    }

    private static final Map<String, Factory> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put(Gpt2Model.MODEL_TYPE, Gpt2Model::load);
        REGISTRY.put(LlamaModel.MODEL_TYPE, LlamaModel::load);
        REGISTRY.put(MistralModel.MODEL_TYPE, MistralModel::load);
        REGISTRY.put(Qwen2Model.MODEL_TYPE, Qwen2Model::load);
        REGISTRY.put(Qwen2MoeModel.MODEL_TYPE, Qwen2MoeModel::load);
        REGISTRY.put(InternLm2Model.MODEL_TYPE, InternLm2Model::load);
        REGISTRY.put(GlmModel.GLM, GlmModel::loadGlm);
        REGISTRY.put(GlmModel.GLM4, GlmModel::loadGlm4);
        REGISTRY.put(GlmModel.CHATGLM, GlmModel::loadChatGlm);
        REGISTRY.put(InternVlConfig.HUB_TYPE, InternVlModel::load);
        REGISTRY.put(InternVlConfig.CHAT_TYPE, InternVlModel::load);
        REGISTRY.put(XComposer2Model.MODEL_TYPE, XComposer2Model::load);
    }

    private ModelArchitectures() {
    }

    public static Set<String> supported() {
        return Collections.unmodifiableSet(REGISTRY.keySet());
    }

    /** The factory for a model type, or an {@link UnsupportedModelTypeException} naming the supported ones. */
    public static Factory forType(String modelType) {
        Factory f = REGISTRY.get(modelType);
        if (f == null) {
            throw new UnsupportedModelTypeException(modelType, supported());
        }
        return f;
    }
}
