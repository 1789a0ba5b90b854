/** The optional raster tile layer (web Mercator "slippy" tiles): which tiles cover the map, and where. */

export interface Tile {
  z: number;
  x: number;
  y: number;
  west: number;
  north: number;
  east: number;
  south: number;
}

const lonToX = (lon: number, z: number) => ((lon + 180) / 360) * 2 ** z;
const latToY = (lat: number, z: number) => {
  const r = (lat * Math.PI) / 180;
  return ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z;
};
const xToLon = (x: number, z: number) => (x / 2 ** z) * 360 - 180;
const yToLat = (y: number, z: number) => {
  const n = Math.PI - (2 * Math.PI * y) / 2 ** z;
  return (180 / Math.PI) * Math.atan(Math.sinh(n));
};

/** The zoom whose 256-pixel tiles show ``lonSpan`` degrees in about ``widthPx`` pixels. */
export function zoomFor(lonSpan: number, widthPx: number): number {
  return Math.max(0, Math.min(18, Math.round(Math.log2((widthPx * 360) / (256 * Math.max(lonSpan, 1e-6))))));
}

/** Tiles covering west..east × south..north at ``z``, at most ``limit`` of them (none if more). */
export function tilesFor(west: number, south: number, east: number, north: number, z: number, limit = 64): Tile[] {
  const x0 = Math.floor(lonToX(west, z));
  const x1 = Math.floor(lonToX(east, z));
  const y0 = Math.floor(latToY(north, z));
  const y1 = Math.floor(latToY(south, z));
  if ((x1 - x0 + 1) * (y1 - y0 + 1) > limit) return [];
  const tiles: Tile[] = [];
  for (let x = x0; x <= x1; x++) {
    for (let y = y0; y <= y1; y++) {
      tiles.push({ z, x, y, west: xToLon(x, z), east: xToLon(x + 1, z), north: yToLat(y, z), south: yToLat(y + 1, z) });
    }
  }
  return tiles;
}

/** A tile's address from a template such as ``…/{z}/{x}/{y}.png``. */
export function tileHref(template: string, tile: Pick<Tile, "z" | "x" | "y">): string {
  return template.replace("{z}", String(tile.z)).replace("{x}", String(tile.x)).replace("{y}", String(tile.y));
}
