package io.logitstream.worker.engine.image;

/**
 * An 8-bit RGB image: {@code pixels} holds R, G, B of each pixel, row after row (values 0..255 as
 * unsigned bytes), like a PIL image in mode "RGB".
 */
public record RgbImage(int width, int height, byte[] pixels) {

    public RgbImage {
        if (width <= 0 || height <= 0 || pixels.length != (long) width * height * 3) {
            throw new IllegalArgumentException("an RGB image of " + width + "x" + height + " needs "
                    + (long) width * height * 3 + " bytes, got " + pixels.length);
        }
    }

    /** Channel {@code c} of pixel (x, y), 0..255. */
    public int at(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }

    /** The part [x0, x0 + w) x [y0, y0 + h) as a new image. */
    public RgbImage crop(int x0, int y0, int w, int h) {
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(pixels, ((y0 + y) * width + x0) * 3, out, y * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }
}
