import { readFileSync } from "node:fs";
import type { Feature, MultiPolygon, Polygon, Position } from "geojson";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

const OUTLINE_ID = "virtual:vietnam-outline";
const VIETNAM = "704"; // ISO 3166-1 numeric, the id world-atlas gives countries

/** Vietnam's outline as a GeoJSON feature, cut out of world-atlas at build time so the page ships a
 * few kilobytes of one country instead of the world, and never fetches a map at run time. */
function vietnamOutline(): Plugin {
  const resolved = "\0" + OUTLINE_ID;
  return {
    name: "vietnam-outline",
    resolveId: (id) => (id === OUTLINE_ID ? resolved : null),
    load(id) {
      if (id !== resolved) return null;
      const path = new URL("./node_modules/world-atlas/countries-50m.json", import.meta.url);
      const world = JSON.parse(readFileSync(path, "utf-8")) as Topology<{ countries: GeometryCollection }>;
      const country = world.objects.countries.geometries.find((g) => String(g.id) === VIETNAM);
      if (!country) throw new Error(`world-atlas has no country ${VIETNAM}`);
      const shape = feature(world, country) as Feature<Polygon | MultiPolygon>;
      // 4 decimals of a degree is about 10 m: plenty for a province-wide view.
      const round = (p: Position): Position => p.map((v) => Math.round(v * 1e4) / 1e4);
      const geometry =
        shape.geometry.type === "Polygon"
          ? { type: "Polygon", coordinates: shape.geometry.coordinates.map((ring) => ring.map(round)) }
          : { type: "MultiPolygon", coordinates: shape.geometry.coordinates.map((poly) => poly.map((ring) => ring.map(round))) };
      return `export default ${JSON.stringify({ type: "Feature", properties: {}, geometry })};`;
    },
  };
}

// The dashboard serves dist/index.html at / and dist/assets at /assets; in development the API runs apart.
const api = process.env.IOC_DASHBOARD ?? "http://127.0.0.1:8000";

export default defineConfig({
  base: "/",
  plugins: [vietnamOutline()],
  build: { outDir: "dist", emptyOutDir: true, assetsDir: "assets" },
  server: {
    proxy: {
      "/api": { target: api, changeOrigin: false },
      "/ws": { target: api.replace(/^http/, "ws"), ws: true },
    },
  },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
