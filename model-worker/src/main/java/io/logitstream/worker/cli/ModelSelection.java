package io.logitstream.worker.cli;

import io.logitstream.worker.engine.DeviceSelector;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.weights.WeightMode;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --model DIR [--device cpu|gpu|auto] [--weights auto|float|int8]}: which checkpoint to load, where and how. */
public final class ModelSelection {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json).")
    Path modelDir;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu (default; fp32), gpu or gpu:N (fp16; needs a CUDA build of PyTorch, see"
                    + " PYTORCH_FLAVOR), or auto.")
    String device;

    @Option(names = "--weights", defaultValue = "auto", paramLabel = "MODE",
            description = "How linear layers hold their weights: auto (default: as stored; int8 when config.json's"
                    + " quantization_config says load_in_8bit), float, or int8 (quantized at load, per-output-channel"
                    + " absmax; activations stay float).")
    String weights;

    public LoadedModel load() {
        return ModelLoader.load(modelDir, null, DeviceSelector.resolve(device), WeightMode.parse(weights));
    }

    /** Loads a causal LM for {@code command}; a sequence-classification checkpoint is refused with what to run instead. */
    public LoadedModel loadLanguageModel(String command) {
        LoadedModel m = load();
        m.classificationHead().ifPresent(head -> {
            m.close();
            throw new IllegalArgumentException(command + " needs a language-model head; " + modelDir + " is a "
                    + head.architecture() + " (a score head over " + head.numLabels() + " label"
                    + (head.numLabels() == 1 ? "" : "s") + "): run classify instead");
        });
        return m;
    }
}
