declare module "virtual:vietnam-outline" {
  import type { Feature, MultiPolygon, Polygon } from "geojson";
  const outline: Feature<Polygon | MultiPolygon>;
  export default outline;
}
