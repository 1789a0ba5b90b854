/** The province map, drawn offline in SVG: Vietnam's outline (from world-atlas, cut at build time),
 * commune/ward areas as Voronoi cells around each admin unit's centroid tinted by its worst source,
 * one marker per source, and raster tiles underneath only when the server names a tile server. */

import { Delaunay } from "d3-delaunay";
import { geoMercator, geoPath } from "d3-geo";
import outline from "virtual:vietnam-outline";
import type { Source } from "./api";
import { LEVEL_COLOURS, type Level, type Reading, UNKNOWN, worstLevel } from "./colours";
import { svg } from "./dom";
import { type Domain, domainOf } from "./sources";
import { tileHref, tilesFor, zoomFor } from "./tiles";

export const WIDTH = 1200;
export const HEIGHT = 900;
const MARGIN = 70;

export interface Unit {
  code: string;
  lon: number;
  lat: number;
}

/** Each admin unit's centroid: the mean position of its sources. A unit that is the prefix of others
 * (the province itself, "HUE") is no area of its own: its sources fall in whichever cell holds them. */
export function unitCentroids(sources: readonly Pick<Source, "unit_code" | "lon" | "lat">[]): Unit[] {
  const sums = new Map<string, { lon: number; lat: number; n: number }>();
  for (const s of sources) {
    const sum = sums.get(s.unit_code) ?? { lon: 0, lat: 0, n: 0 };
    sums.set(s.unit_code, { lon: sum.lon + s.lon, lat: sum.lat + s.lat, n: sum.n + 1 });
  }
  const codes = [...sums.keys()];
  return codes
    .filter((code) => !codes.some((other) => other !== code && other.startsWith(code + ".")))
    .sort()
    .map((code) => {
      const sum = sums.get(code)!;
      return { code, lon: sum.lon / sum.n, lat: sum.lat / sum.n };
    });
}

/** The worst level per unit, each source counted in its own unit or, failing that, the nearest one. */
export function unitLevels(
  units: readonly Unit[], sources: readonly Source[], levelOf: (s: Source) => Level,
  nearest: (s: Source) => number,
): Map<string, Level> {
  const levels = new Map<string, Level[]>();
  const index = new Map(units.map((u, i) => [u.code, i]));
  for (const s of sources) {
    const unit = units[index.get(s.unit_code) ?? nearest(s)];
    if (!unit) continue;
    levels.set(unit.code, [...(levels.get(unit.code) ?? []), levelOf(s)]);
  }
  return new Map([...levels].map(([code, list]) => [code, worstLevel(list)]));
}

export interface MapOptions {
  sources: readonly Source[];
  tileUrl: string | null;
  /** A short label for a unit code (e.g. the ward's name). */
  unitLabel: (code: string) => string;
  labels: boolean;
  onPick?: (source: Source) => void;
}

export interface MapHandle {
  element: SVGSVGElement;
  update(readings: Map<string, Reading>, describe: (source: Source, reading: Reading) => string): void;
  emphasize(domain: Domain | null): void;
}

let instances = 0;

function markerShape(domain: Domain | null): SVGElement {
  switch (domain) {
    case "air":
      return svg("circle", { r: 11 });
    case "water":
      return svg("path", { d: "M0,-14L12,8L-12,8Z" });
    case "traffic":
      return svg("rect", { x: -6, y: -6, width: 12, height: 12, rx: 2 });
    default:
      return svg("path", { d: "M0,-10L10,0L0,10L-10,0Z" });
  }
}

export function createMap(options: MapOptions): MapHandle {
  const id = `map${++instances}`;
  const { sources } = options;
  const points = sources.map((s) => [s.lon, s.lat]);
  const projection = geoMercator().fitExtent(
    [[MARGIN, MARGIN], [WIDTH - MARGIN, HEIGHT - MARGIN]],
    { type: "MultiPoint", coordinates: points.length ? points : [[107.58, 16.46]] },
  );
  const path = geoPath(projection);
  const xy = (lon: number, lat: number): [number, number] => projection([lon, lat]) ?? [0, 0];

  const root = svg("svg", {
    id: "map", class: "map", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img",
    preserveAspectRatio: "xMidYMid meet",
  });
  const landPath = path(outline) ?? "";
  root.append(
    svg("defs", {},
      svg("clipPath", { id: `${id}-frame` }, svg("rect", { width: WIDTH, height: HEIGHT })),
      svg("clipPath", { id: `${id}-land` }, svg("path", { d: landPath })),
    ),
    svg("rect", { class: "sea", width: WIDTH, height: HEIGHT }),
  );

  if (options.tileUrl) {
    const [west, north] = projection.invert?.([0, 0]) ?? [0, 0];
    const [east, south] = projection.invert?.([WIDTH, HEIGHT]) ?? [0, 0];
    const layer = svg("g", { class: "tiles", "clip-path": `url(#${id}-frame)` });
    for (const tile of tilesFor(west, south, east, north, zoomFor(east - west, WIDTH))) {
      const [x0, y0] = xy(tile.west, tile.north);
      const [x1, y1] = xy(tile.east, tile.south);
      layer.append(svg("image", {
        href: tileHref(options.tileUrl, tile), x: x0, y: y0, width: x1 - x0, height: y1 - y0,
        preserveAspectRatio: "none",
      }));
    }
    root.append(layer);
  }
  root.append(svg("path", { class: "land", d: landPath, "clip-path": `url(#${id}-frame)` }));

  const units = unitCentroids(sources);
  const delaunay = Delaunay.from(units.map((u) => xy(u.lon, u.lat)));
  const voronoi = delaunay.voronoi([0, 0, WIDTH, HEIGHT]);
  const cells = svg("g", { class: "cells", "clip-path": `url(#${id}-land)` });
  const cellOf = new Map<string, SVGPathElement>();
  units.forEach((unit, i) => {
    const cell = svg("path", { class: "cell", d: voronoi.renderCell(i), "data-unit": unit.code });
    cell.append(svg("title", {}, options.unitLabel(unit.code)));
    cellOf.set(unit.code, cell);
    cells.append(cell);
  });
  root.append(cells);
  if (options.labels) {
    const labels = svg("g", { class: "unit-labels" });
    const placed: [number, number][] = [];
    for (const unit of units) {
      const [x, y] = xy(unit.lon, unit.lat);
      // In the dense city centre labels would overprint: a unit too near a labelled one keeps its tooltip only.
      if (placed.some(([px, py]) => Math.abs(px - x) < 110 && Math.abs(py - y) < 30)) continue;
      placed.push([x, y]);
      labels.append(svg("text", { x, y: y + 34, "text-anchor": "middle" }, options.unitLabel(unit.code)));
    }
    root.append(labels);
  }

  const markers = svg("g", { class: "markers" });
  const markerOf = new Map<string, SVGGElement>();
  // Drawn big to small (agencies, air, water, traffic last) so small markers stay clickable on top.
  const order: (Domain | null)[] = ["service", "air", "water", "traffic", null];
  for (const s of [...sources].sort((a, b) => order.indexOf(domainOf(a)) - order.indexOf(domainOf(b)))) {
    const [x, y] = xy(s.lon, s.lat);
    const marker = svg("g", {
      class: "marker", transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`,
      "data-source": s.id, "data-domain": domainOf(s) ?? "other", "data-state": "unknown",
      tabindex: options.onPick ? 0 : null,
    }, markerShape(domainOf(s)), svg("title", {}, s.name));
    if (options.onPick) {
      const pick = options.onPick;
      marker.addEventListener("click", () => pick(s));
      marker.addEventListener("keydown", (e) => {
        if ((e as KeyboardEvent).key === "Enter") pick(s);
      });
    }
    markerOf.set(s.id, marker);
    markers.append(marker);
  }
  root.append(markers);

  const nearest = (s: Source) => delaunay.find(...xy(s.lon, s.lat));

  return {
    element: root,
    update(readings, describe) {
      for (const s of sources) {
        const marker = markerOf.get(s.id);
        if (!marker) continue;
        const reading = readings.get(s.id) ?? UNKNOWN;
        marker.setAttribute("data-state", reading.level);
        marker.setAttribute("data-category", String(reading.category));
        marker.style.setProperty("--marker", reading.colour);
        marker.querySelector("title")!.textContent = describe(s, reading);
      }
      const levels = unitLevels(units, [...sources], (s) => (readings.get(s.id) ?? UNKNOWN).level, nearest);
      for (const [code, cell] of cellOf) {
        const level = levels.get(code) ?? "unknown";
        cell.setAttribute("data-state", level);
        cell.style.setProperty("--tint", LEVEL_COLOURS[level]);
      }
    },
    emphasize(domain) {
      root.setAttribute("data-emphasis", domain ?? "");
    },
  };
}
