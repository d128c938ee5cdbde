package io.logitstream.worker.engine.internvl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * InternVL's dynamic resolution: the grid of tiles (columns x rows) whose aspect ratio is closest
 * to the image's among all grids of {@code min..max} tiles ({@code find_closest_aspect_ratio} of
 * InternVL's preprocessing, {@code get_optimal_tiled_canvas} in transformers). Ties go to the grid
 * listed later (more tiles) while the image's area exceeds half of that grid's pixel area.
 *
 * @param columns tiles across
 * @param rows tiles down
 */
public record TileGrid(int columns, int rows) {

    public int tiles() {
        return columns * rows;
    }

    /**
     * @param tile the tile side in pixels (the area rule compares against grids of this size)
     */
    public static TileGrid choose(int width, int height, int tile, int minTiles, int maxTiles) {
        List<TileGrid> grids = new ArrayList<>();
        for (int w = 1; w <= maxTiles; w++) {
            for (int h = 1; h <= maxTiles; h++) {
                if (w * h <= maxTiles && w * h >= minTiles) {
                    grids.add(new TileGrid(w, h));
                }
            }
        }
        grids.sort(Comparator.comparingInt(TileGrid::tiles)); // stable, as Python's sorted
        double aspect = (double) width / height;
        double area = (double) width * height;
        double bestDiff = Double.POSITIVE_INFINITY;
        TileGrid best = new TileGrid(1, 1);
        for (TileGrid g : grids) {
            double diff = Math.abs(aspect - (double) g.columns / g.rows);
            if (diff < bestDiff) {
                bestDiff = diff;
                best = g;
            } else if (diff == bestDiff && area > 0.5 * tile * tile * g.columns * g.rows) {
                best = g;
            }
        }
        return best;
    }
}
