package io.logitstream.worker.engine.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Decodes PNG, JPEG (and the other formats javax.imageio reads: BMP, GIF) into {@link RgbImage},
 * converting like PIL's {@code Image.convert("RGB")}: grey is repeated into three channels, alpha
 * is dropped (not composited), palette images take their palette colours.
 *
 * <p>Samples are read from the raster, not through {@code getRGB}, which would pass grey images
 * through a linear-to-sRGB colour conversion that PIL does not do. 16-bit samples keep their high
 * byte. PNG decodes exactly as PIL does; JPEG decoders may differ by a level or two (libjpeg's and
 * the JDK's IDCT and chroma upsampling), though on the fixture's 4:2:0 JPEG they agree exactly.
 */
public final class ImageDecoder {
    private ImageDecoder() {
    }

    /** @throws ImageException when the bytes are not an image this JVM can read */
    public static RgbImage decode(byte[] bytes) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new ImageException("cannot decode the image (" + bytes.length + " bytes): " + e.getMessage(), e);
        }
        if (img == null) {
            throw new ImageException("the image (" + bytes.length + " bytes) is not in a format this worker reads "
                    + "(PNG, JPEG, BMP, GIF)");
        }
        return toRgb(img);
    }

    static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        Raster raster = img.getRaster();
        ColorModel cm = img.getColorModel();
        byte[] out = new byte[w * h * 3];
        int bands = raster.getNumBands();
        int shift = Math.max(0, raster.getSampleModel().getSampleSize(0) - 8);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                if (cm instanceof IndexColorModel icm) {
                    int index = raster.getSample(x, y, 0);
                    out[o] = (byte) icm.getRed(index);
                    out[o + 1] = (byte) icm.getGreen(index);
                    out[o + 2] = (byte) icm.getBlue(index);
                } else if (bands < 3) {
                    byte grey = (byte) (raster.getSample(x, y, 0) >> shift);
                    out[o] = grey;
                    out[o + 1] = grey;
                    out[o + 2] = grey;
                } else {
                    for (int c = 0; c < 3; c++) {
                        out[o + c] = (byte) (raster.getSample(x, y, c) >> shift);
                    }
                }
            }
        }
        return new RgbImage(w, h, out);
    }
}
