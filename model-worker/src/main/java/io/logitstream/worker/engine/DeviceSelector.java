package io.logitstream.worker.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/**
 * Picks the compute device from a request such as {@code cpu}, {@code gpu}, {@code gpu:1} or
 * {@code auto}. Everything runs in fp32 on either device.
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
        int gpus = gpuCount();
        if (r.equals("auto")) {
            return gpus > 0 ? Device.gpu(0) : Device.cpu();
        }
        if (r.equals("gpu") || r.equals("cuda") || r.startsWith("gpu:") || r.startsWith("cuda:")) {
            int id = r.contains(":") ? Integer.parseInt(r.substring(r.indexOf(':') + 1)) : 0;
            if (id >= gpus) {
                throw new ModelLoadException("device '" + requested + "' requested but the engine sees "
                        + gpus + " GPU(s); use --device cpu or a CUDA build of PyTorch (PYTORCH_FLAVOR)");
            }
            return Device.gpu(id);
        }
        throw new ModelLoadException("unknown device '" + requested + "' (use cpu, gpu, gpu:N or auto)");
    }

    private static int gpuCount() {
        return Engine.getEngine("PyTorch").getGpuCount();
    }
}
