package io.logitstream.worker.engine.image;

/**
 * PIL's {@code Image.resize(size, Image.BICUBIC)} for 8-bit RGB images, reproduced operation for
 * operation (Pillow's {@code libImaging/Resample.c}), so pixel values agree exactly: a separable
 * convolution with the bicubic kernel (a = -0.5) whose support widens with the downscaling factor
 * (so downscaling averages, like an antialiasing filter), the horizontal pass first, each pass
 * rounding to 8 bits; weights normalised per output pixel and applied in 22-bit fixed point.
 * InternVL's preprocessing (its own torchvision {@code T.Resize} on PIL images, and transformers'
 * PIL image processor) resizes with exactly this.
 */
public final class BicubicResampler {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    private BicubicResampler() {
    }

    public static RgbImage resize(RgbImage in, int width, int height) {
        RgbImage out = in;
        if (width != in.width()) {
            out = horizontal(out, width);
        }
        if (height != in.height()) {
            out = vertical(out, height);
        }
        return out;
    }

    /** One pass's filter: per output pixel the first input index, the tap count and fixed-point weights. */
    private record Coefficients(int[] start, int[] count, int[][] weights) {
    }

    static double bicubic(double x) {
        final double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** Pillow's {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for the whole input range. */
    private static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        int[][] weights = new int[outSize][];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max(0, (int) (center - support + 0.5));
            int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
            double[] k = new double[Math.max(0, xmax)];
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = bicubic((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            int[] fixed = new int[k.length];
            for (int x = 0; x < k.length; x++) {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                fixed[x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            start[xx] = xmin;
            count[xx] = k.length;
            weights[xx] = fixed;
        }
        return new Coefficients(start, count, weights);
    }

    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static RgbImage horizontal(RgbImage in, int outWidth) {
        Coefficients c = coefficients(in.width(), outWidth);
        byte[] src = in.pixels();
        byte[] out = new byte[outWidth * in.height() * 3];
        int inRow = in.width() * 3;
        for (int y = 0; y < in.height(); y++) {
            for (int xx = 0; xx < outWidth; xx++) {
                int[] k = c.weights()[xx];
                int base = y * inRow + c.start()[xx] * 3;
                for (int ch = 0; ch < 3; ch++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int x = 0; x < c.count()[xx]; x++) {
                        acc += (src[base + x * 3 + ch] & 0xFF) * k[x];
                    }
                    out[(y * outWidth + xx) * 3 + ch] = (byte) clip8(acc);
                }
            }
        }
        return new RgbImage(outWidth, in.height(), out);
    }

    private static RgbImage vertical(RgbImage in, int outHeight) {
        Coefficients c = coefficients(in.height(), outHeight);
        byte[] src = in.pixels();
        int row = in.width() * 3;
        byte[] out = new byte[row * outHeight];
        for (int yy = 0; yy < outHeight; yy++) {
            int[] k = c.weights()[yy];
            int first = c.start()[yy];
            for (int i = 0; i < row; i++) {
                int acc = 1 << (PRECISION_BITS - 1);
                for (int y = 0; y < c.count()[yy]; y++) {
                    acc += (src[(first + y) * row + i] & 0xFF) * k[y];
                }
                out[yy * row + i] = (byte) clip8(acc);
            }
        }
        return new RgbImage(in.width(), outHeight, out);
    }
}
