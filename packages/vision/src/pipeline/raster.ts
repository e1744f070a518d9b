/** An RGB image in memory: `width * height * 3` bytes, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A square region of an image, possibly rolled: centre, side length (pixels) and roll (radians). */
export interface SquareRegion {
  centerX: number;
  centerY: number;
  size: number;
  angle: number;
}

/**
 * Samples a square region of `image` into a `side x side` float32 NHWC tensor with bilinear
 * interpolation (pixels outside the image are black). `channels: 1` converts to luma with
 * the BT.601 weights the emotion model was trained with. Values are in [0, 1].
 */
export function sampleRegion(
  image: RgbImage,
  region: SquareRegion,
  side: number,
  channels: 1 | 3,
): Float32Array {
  const out = new Float32Array(side * side * channels);
  const cos = Math.cos(region.angle);
  const sin = Math.sin(region.angle);
  const step = region.size / side;
  const { width, height, data } = image;
  let red = 0;
  let green = 0;
  let blue = 0;
  for (let v = 0; v < side; v++) {
    for (let u = 0; u < side; u++) {
      const localX = (u + 0.5) * step - region.size / 2;
      const localY = (v + 0.5) * step - region.size / 2;
      const x = region.centerX + localX * cos - localY * sin - 0.5;
      const y = region.centerY + localX * sin + localY * cos - 0.5;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      red = 0;
      green = 0;
      blue = 0;
      for (let corner = 0; corner < 4; corner++) {
        const px = x0 + (corner & 1);
        const py = y0 + (corner >> 1);
        if (px < 0 || py < 0 || px >= width || py >= height) continue;
        const weight = (corner & 1 ? fx : 1 - fx) * (corner >> 1 ? fy : 1 - fy);
        const at = (py * width + px) * 3;
        red += weight * (data[at] as number);
        green += weight * (data[at + 1] as number);
        blue += weight * (data[at + 2] as number);
      }
      const target = (v * side + u) * channels;
      if (channels === 3) {
        out[target] = red / 255;
        out[target + 1] = green / 255;
        out[target + 2] = blue / 255;
      } else {
        out[target] = (0.2989 * red + 0.587 * green + 0.114 * blue) / 255;
      }
    }
  }
  return out;
}

/** Maps a point given in a region's `side x side` sampling grid back to image coordinates. */
export function regionToImage(region: SquareRegion, side: number, x: number, y: number): [number, number] {
  const localX = (x / side) * region.size - region.size / 2;
  const localY = (y / side) * region.size - region.size / 2;
  const cos = Math.cos(region.angle);
  const sin = Math.sin(region.angle);
  return [region.centerX + localX * cos - localY * sin, region.centerY + localX * sin + localY * cos];
}
