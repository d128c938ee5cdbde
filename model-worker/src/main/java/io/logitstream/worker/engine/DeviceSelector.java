package io.logitstream.worker.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Picks the compute device from a request such as {@code cpu}, {@code gpu}, {@code gpu:1} or
 * {@code auto}, and the compute type that goes with it: fp32 on the CPU (exact against
 * transformers' fp32 goldens), fp16 on a GPU (weights are converted to fp16 at load; logits are
 * returned in fp32). The GPU path cannot be exercised on the CPU-only CI; it uses the same code
 * with fp16 tensors, which the tests run on the CPU.
 */
public final class DeviceSelector {
    private DeviceSelector() {
    }

    /**
     * @throws ModelLoadException when a GPU is asked for and the engine sees none (a silent CPU
     *     fallback would make a GPU pool 50x slower without anyone noticing)
     */
    public static Device resolve(String requested) {
        String r = requested == null ? "cpu" : requested.trim().toLowerCase(Locale.ROOT);
        if (r.isEmpty() || r.equals("cpu")) {
            return Device.cpu();
        }
        if (r.equals("auto")) {
            return gpuCount() > 0 ? Device.gpu(0) : Device.cpu();
        }
        if (r.equals("gpu") || r.equals("cuda") || r.startsWith("gpu:") || r.startsWith("cuda:")) {
            int id;
            try {
                id = r.contains(":") ? Integer.parseInt(r.substring(r.indexOf(':') + 1)) : 0;
            } catch (NumberFormatException e) {
                throw new ModelLoadException("unknown device '" + requested + "' (use cpu, gpu, gpu:N or auto)");
            }
            int gpus = gpuCount();
            if (id >= gpus) {
                throw new ModelLoadException(noGpuMessage(requested, gpus));
            }
            return Device.gpu(id);
        }
        throw new ModelLoadException("unknown device '" + requested + "' (use cpu, gpu, gpu:N or auto)");
    }

    /** fp16 on a GPU, fp32 on the CPU. */
    public static DataType computeType(Device device) {
        return device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
    }

    static String noGpuMessage(String requested, int gpus) {
        String flavor = System.getenv("PYTORCH_FLAVOR");
        String engine = gpus == 0
                ? "the PyTorch engine has no CUDA device (native library flavor: "
                        + (flavor == null || flavor.isBlank() ? "cpu, the bundled default" : flavor) + ")"
                : "the PyTorch engine sees only " + gpus + " GPU(s)";
        return "device '" + requested + "' requested but " + engine + ". To run on a GPU, set the environment"
                + " variable PYTORCH_FLAVOR to a CUDA flavor that DJL publishes for PyTorch " + engineVersion()
                + " (e.g. cu124 or cu128) and allow DJL to download that native library (network access on first"
                + " start, -Dai.djl.offline=false, or a pre-filled DJL cache), on a machine with an NVIDIA driver;"
                + " or use --device cpu";
    }

    private static String engineVersion() {
        try {
            return Engine.getEngine("PyTorch").getVersion();
        } catch (RuntimeException e) {
            return "(unknown version)";
        }
    }

    private static int gpuCount() {
        return Engine.getEngine("PyTorch").getGpuCount();
    }
}
