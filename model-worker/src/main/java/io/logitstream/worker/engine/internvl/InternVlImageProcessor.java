package io.logitstream.worker.engine.internvl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.image.BicubicResampler;
import io.logitstream.worker.engine.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * InternVL's image preprocessing, as transformers' GotOcr2 image processor (PIL backend) and
 * InternVL's own {@code load_image} do it: choose a {@link TileGrid} for the image's aspect ratio,
 * resize the image to the grid (PIL bicubic, {@link BicubicResampler}), cut it into square tiles
 * row by row, add a thumbnail (the whole image resized to one tile) when there is more than one
 * tile, then rescale by 1/255 and normalise each channel with the mean and std.
 *
 * <p>Settings, first found wins: {@code preprocessor_config.json} ({@code size}, {@code min_patches},
 * {@code max_patches}, {@code crop_to_patches}, {@code image_mean}, {@code image_std},
 * {@code rescale_factor}), then config.json's original InternVL keys ({@code min_dynamic_patch},
 * {@code max_dynamic_patch}, {@code dynamic_image_size}, {@code use_thumbnail}), then InternVL's
 * defaults: 1..12 tiles, thumbnail on, ImageNet mean and std. The tile side is the vision encoder's
 * {@code image_size}; a processor {@code size} that disagrees is refused.
 */
public final class InternVlImageProcessor {
    static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
    static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};

    private final int tile;
    private final int minTiles;
    private final int maxTiles;
    private final boolean dynamic;
    private final boolean thumbnail;
    private final double[] mean;
    private final double[] std;
    private final double rescale;

    /** Preprocessed tiles: {@code pixels} [tiles, 3, tile, tile], channel-first, tile after tile. */
    public record Tiles(int count, int side, float[] pixels) {
    }

    public InternVlImageProcessor(int tile, int minTiles, int maxTiles, boolean dynamic, boolean thumbnail,
            double[] mean, double[] std, double rescale) {
        if (minTiles < 1 || maxTiles < minTiles) {
            throw new ConfigException("image tiles: min " + minTiles + " and max " + maxTiles + " must satisfy "
                    + "1 <= min <= max");
        }
        this.tile = tile;
        this.minTiles = minTiles;
        this.maxTiles = maxTiles;
        this.dynamic = dynamic;
        this.thumbnail = thumbnail;
        this.mean = mean.clone();
        this.std = std.clone();
        this.rescale = rescale;
    }

    /** The settings of a model folder (see the class comment) for tiles of {@code tile} pixels. */
    public static InternVlImageProcessor forModel(Path dir, JsonNode config, int tile) {
        JsonNode pre = readPreprocessorConfig(dir);
        JsonNode size = pre.get("size");
        if (size != null && size.has("height")
                && (size.get("height").asInt() != tile || size.path("width").asInt(tile) != tile)) {
            throw new ConfigException("preprocessor_config.json size " + size + " differs from the vision encoder's "
                    + "image_size " + tile);
        }
        int min = intOf(pre, "min_patches", intOf(config, "min_dynamic_patch", 1));
        int max = intOf(pre, "max_patches", intOf(config, "max_dynamic_patch", 12));
        Boolean crop = JsonFields.optBool(pre, "crop_to_patches");
        Boolean dynamicSize = JsonFields.optBool(config, "dynamic_image_size");
        boolean dynamic = crop != null ? crop : dynamicSize == null || dynamicSize;
        Boolean thumb = JsonFields.optBool(config, "use_thumbnail");
        Double rescale = JsonFields.optDouble(pre, "rescale_factor");
        return new InternVlImageProcessor(tile, min, max, dynamic, thumb == null || thumb,
                triple(pre, "image_mean", IMAGENET_MEAN), triple(pre, "image_std", IMAGENET_STD),
                rescale == null ? 1 / 255.0 : rescale);
    }

    /** How many tiles an image of this size becomes (the processor's {@code num_patches}). */
    public int tileCount(int width, int height) {
        if (!dynamic || maxTiles <= 1) {
            return 1;
        }
        int n = TileGrid.choose(width, height, tile, minTiles, maxTiles).tiles();
        return n == 1 ? 1 : n + (thumbnail ? 1 : 0);
    }

    public Tiles process(RgbImage image) {
        List<RgbImage> tiles = new ArrayList<>();
        if (!dynamic || maxTiles <= 1) {
            tiles.add(BicubicResampler.resize(image, tile, tile));
        } else {
            TileGrid grid = TileGrid.choose(image.width(), image.height(), tile, minTiles, maxTiles);
            RgbImage resized = BicubicResampler.resize(image, tile * grid.columns(), tile * grid.rows());
            for (int i = 0; i < grid.tiles(); i++) {
                tiles.add(resized.crop((i % grid.columns()) * tile, (i / grid.columns()) * tile, tile, tile));
            }
            if (thumbnail && tiles.size() != 1) {
                tiles.add(BicubicResampler.resize(image, tile, tile));
            }
        }
        float[] out = new float[tiles.size() * 3 * tile * tile];
        float[] m = {(float) mean[0], (float) mean[1], (float) mean[2]};
        float[] s = {(float) std[0], (float) std[1], (float) std[2]};
        int k = 0;
        for (RgbImage t : tiles) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < tile; y++) {
                    for (int x = 0; x < tile; x++) {
                        // transformers: uint8 * rescale in float64, cast to float32, then (x - mean) / std in float32
                        float r = (float) (t.at(x, y, c) * rescale);
                        out[k++] = (r - m[c]) / s[c];
                    }
                }
            }
        }
        return new Tiles(tiles.size(), tile, out);
    }

    private static JsonNode readPreprocessorConfig(Path dir) {
        Path file = dir == null ? null : dir.resolve("preprocessor_config.json");
        if (file == null || !Files.isRegularFile(file)) {
            return new ObjectMapper().createObjectNode();
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    private static int intOf(JsonNode node, String key, int fallback) {
        Integer v = node == null ? null : JsonFields.optInt(node, key);
        return v == null ? fallback : v;
    }

    private static double[] triple(JsonNode node, String key, double[] fallback) {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isArray() || n.size() != 3) {
            throw new ConfigException("preprocessor_config.json " + key + " must list 3 numbers, got " + n);
        }
        return new double[] {n.get(0).asDouble(), n.get(1).asDouble(), n.get(2).asDouble()};
    }
}
