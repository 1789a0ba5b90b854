/** The wall screen (1920×1080, read from 5 m): the map, one KPI tile per domain with a sparkline of
 * the last hour, the alert ticker and the clock. A highlighted domain rotates every 20 s. Nothing
 * personal is shown: free text passes through ``maskText``. */

import { api, type HistoryRow } from "../api";
import { SEVERITY_COLOURS, textOn } from "../colours";
import { type Context, summaryOf } from "../context";
import { fill, h, svg } from "../dom";
import { emptyValues, readingOf, sparkValue, type TileFigure, tileFigure, type Values } from "../figures";
import { type Key, lang, t } from "../i18n";
import { createMap } from "../map";
import { maskText } from "../mask";
import { type Domain, DOMAINS } from "../sources";
import { addSample, type Sample, SPAN_MS, sparkPath } from "../spark";
import { alertTime } from "../store";
import { formatClock, formatNumber, formatWhen } from "../time";
import { aqiName, currentFigures, describeReading, domainName, floodName, overdueOf, unitLabeller } from "./describe";

const ROTATE_MS = 20_000;
const SAMPLE_MS = 30_000;
const INDEX_REFRESH_MS = 300_000;
const TICKER_SHOWN = 12;
const SPARK_W = 320;
const SPARK_H = 60;
const TILE_KEYS: Record<Domain, Key> = {
  air: "tileAirAqi", water: "tileWater", traffic: "tileTraffic", service: "tileService",
};

/** Per history bucket, the values of one metric, for seeding sparklines. */
function byBucket(rows: readonly HistoryRow[], kpi: string): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  for (const r of rows) {
    if (r.kpi !== kpi) continue;
    const at = Date.parse(r.bucket);
    out.set(at, (out.get(at) ?? new Map()).set(r.source, r.value));
  }
  return out;
}

export function mountWall(root: HTMLElement, ctx: Context): () => void {
  document.body.classList.add("kiosk");
  const language = lang();
  const n = (v: number, decimals?: number) => formatNumber(v, language, decimals);
  const nameOf = (id: string) => ctx.sourceById.get(id)?.name ?? id;
  let overdue: Map<string, number> | null = null;
  const samples: Record<Domain, Sample[]> = { air: [], water: [], traffic: [], service: [] };
  const sampleKind: Partial<Record<Domain, TileFigure["kind"]>> = {};

  const map = createMap({
    sources: ctx.sources, tileUrl: ctx.config.tile_url, unitLabel: unitLabeller(ctx.sources), labels: true,
  });
  const clock = h("div", { id: "clock", class: "clock" });
  const tiles = new Map<Domain, { tile: HTMLElement; value: HTMLElement; detail: HTMLElement; line: SVGPathElement }>();
  const tileBox = h("div", { class: "tiles" });
  for (const domain of DOMAINS) {
    const value = h("div", { class: "value" }, "—");
    const detail = h("div", { class: "detail" });
    const line = svg("path", { class: "spark-line" });
    const tile = h("section", { class: "tile", "data-tile": domain, onclick: () => select(domain) },
      h("div", { class: "label" }, domainName(domain)), value, detail,
      svg("svg", { class: "sparkline", viewBox: `0 0 ${SPARK_W} ${SPARK_H}`, preserveAspectRatio: "none" }, line),
    );
    tiles.set(domain, { tile, value, detail, line });
    tileBox.append(tile);
  }
  const rotateButton = h("button", { id: "rotate", type: "button", onclick: () => toggleRotation() });
  const ticker = h("ul", { id: "ticker", class: "ticker", "aria-live": "polite" });
  root.append(h("div", { class: "wall" },
    h("div", { class: "wall-map" }, map.element),
    h("aside", { class: "wall-side" },
      h("header", { class: "wall-head" }, h("h1", {}, t("appTitle"), h("small", {}, t("province"))), clock),
      tileBox, h("div", { class: "rotation" }, rotateButton), ticker,
    ),
  ));

  // Rotation of the highlighted domain.
  let highlighted = 0;
  let paused = false;
  function showHighlight(): void {
    const domain = DOMAINS[highlighted]!;
    for (const [d, parts] of tiles) parts.tile.classList.toggle("highlight", d === domain);
    map.emphasize(domain);
    rotateButton.textContent = t(paused ? "rotateResume" : "rotatePause");
    rotateButton.setAttribute("aria-pressed", String(paused));
  }
  function toggleRotation(): void {
    paused = !paused;
    showHighlight();
  }
  function select(domain: Domain): void {
    highlighted = DOMAINS.indexOf(domain);
    paused = true;
    showHighlight();
  }
  const onKey = (event: KeyboardEvent) => {
    if (event.key === "p" || event.key === "P" || event.key === " ") {
      event.preventDefault();
      toggleRotation();
    }
  };
  document.addEventListener("keydown", onKey);
  const rotation = setInterval(() => {
    if (paused) return;
    highlighted = (highlighted + 1) % DOMAINS.length;
    showHighlight();
  }, ROTATE_MS);

  function tileText(domain: Domain, figure: TileFigure): [string, string, string | null] {
    switch (figure.kind) {
      case "none":
        return ["—", t("notComputed"), null];
      case "aqi":
        return [n(figure.value, 0), `${t(TILE_KEYS.air)}: ${aqiName(figure.reading.category)} — ${t("tileAt", { place: nameOf(figure.source) })}`, figure.reading.colour];
      case "pm25":
        return [`${n(figure.value, 0)} µg/m³`, `${t("tileAirPm")} — ${t("tileAt", { place: nameOf(figure.source) })}`, null];
      case "water":
        return [`${n(figure.level, 2)} m`, `${floodName(figure.reading.category)} — ${t("tileAt", { place: nameOf(figure.source) })}`, figure.reading.category > 0 ? figure.reading.colour : null];
      case "traffic":
        return [`${n(figure.share * 100, 0)} %`, `${t(TILE_KEYS[domain])} — ${t("tileOfSegments", { bad: figure.bad, total: figure.total })}`, null];
      case "service":
        return [n(figure.overdue, 0), t("overdueLabel", { count: figure.overdue }), null];
    }
  }

  function record(domain: Domain, figure: TileFigure, at: number): void {
    const v = sparkValue(figure);
    if (v === null) return;
    if (sampleKind[domain] !== figure.kind) samples[domain] = []; // e.g. PM2.5 gave way to VN_AQI: another scale
    sampleKind[domain] = figure.kind;
    samples[domain] = addSample(samples[domain], { t: at, v });
  }

  function render(): void {
    const values: Values = currentFigures(ctx, overdue);
    const readings = new Map(ctx.sources.map((s) => [s.id, readingOf(s, values)]));
    map.update(readings, (s, r) => describeReading(s, r, values));
    const now = Date.now();
    for (const domain of DOMAINS) {
      const figure = tileFigure(domain, ctx.sources, values);
      const parts = tiles.get(domain)!;
      const [value, detail, colour] = tileText(domain, figure);
      parts.value.textContent = value;
      parts.detail.textContent = detail;
      parts.tile.title = figure.kind === "none" ? t("notComputed") : detail;
      parts.value.style.background = colour ?? "";
      parts.value.style.color = colour ? textOn(colour) : "";
      parts.value.classList.toggle("badge", colour !== null);
      if (samples[domain].length === 0) record(domain, figure, now);
      parts.line.setAttribute("d", sparkPath(samples[domain], SPARK_W, SPARK_H, now));
    }
    const shown = ctx.data.recent.slice(0, TICKER_SHOWN);
    if (shown.length === 0) fill(ticker, h("li", { class: "empty" }, t("tickerEmpty")));
    else fill(ticker, ...shown.map((a) => h("li", {
      class: `sev-${a.severity} state-${a.state}`, style: `--sev:${SEVERITY_COLOURS[a.severity] ?? "#64748b"}`,
      "data-fingerprint": a.fingerprint,
    },
      h("time", {}, formatWhen(alertTime(a))),
      h("span", { class: "what" }, maskText(summaryOf(a.summary, language) || `${a.rule} — ${nameOf(a.source)}`, ctx.places)),
    )));
  }

  function sample(): void {
    const values = currentFigures(ctx, overdue);
    const now = Date.now();
    for (const domain of DOMAINS) record(domain, tileFigure(domain, ctx.sources, values), now);
    render();
  }

  // The last hour from history, so the sparklines are not empty after a reload.
  async function seed(): Promise<void> {
    const end = new Date();
    const start = new Date(end.getTime() - SPAN_MS);
    const range = { bucket: "1m", start: start.toISOString(), end: end.toISOString() };
    const [aqi, pm25, water, speed] = await Promise.all(
      [["aqi", "vn_aqi_1h"], ["pm25", "mean_60s"], ["water_level", "mean_60s"], ["speed", "mean_60s"]].map(
        async ([metric, kpi]) => byBucket((await api.history({ metric: metric!, ...range })).items, kpi!),
      ),
    );
    const buckets = new Set([...aqi!.keys(), ...pm25!.keys(), ...water!.keys(), ...speed!.keys()]);
    const current = currentFigures(ctx, overdue);
    for (const at of [...buckets].sort((a, b) => a - b)) {
      const values: Values = {
        ...emptyValues(),
        // Air plots the kind it shows now: hourly VN_AQI, or PM2.5 while no VN_AQI exists.
        aqi: current.aqi.size ? aqi!.get(at) ?? new Map() : new Map(),
        pm25: current.aqi.size ? new Map() : pm25!.get(at) ?? new Map(),
        waterLevel: water!.get(at) ?? new Map(),
        speed: speed!.get(at) ?? new Map(),
      };
      for (const domain of ["air", "water", "traffic"] as const) {
        const figure = tileFigure(domain, ctx.sources, values);
        if (figure.kind !== "none") record(domain, figure, at);
      }
    }
    render();
  }

  async function refreshIndex(): Promise<void> {
    try {
      overdue = overdueOf((await api.index766()).agencies);
      record("service", tileFigure("service", ctx.sources, { ...emptyValues(), overdue }), Date.now());
      render();
    } catch {
      // The service tile keeps "—" (not computed) rather than a guess.
    }
  }

  let pending = false;
  const unsubscribe = ctx.onLive((changed) => {
    if (pending || ![...changed].some((c) => c !== "health")) return;
    pending = true; // many KPIs arrive at once at a window's close: one render for all of them
    setTimeout(() => {
      pending = false;
      render();
    }, 500);
  });
  const tick = () => (clock.textContent = formatClock(Date.now()));
  tick();
  const clockTimer = setInterval(tick, 1000);
  const sampler = setInterval(sample, SAMPLE_MS);
  const indexTimer = setInterval(() => void refreshIndex(), INDEX_REFRESH_MS);
  showHighlight();
  render();
  void seed().catch(() => undefined); // no history yet: the live samples fill the sparklines
  void refreshIndex();

  return () => {
    document.body.classList.remove("kiosk");
    document.removeEventListener("keydown", onKey);
    for (const timer of [rotation, clockTimer, sampler, indexTimer]) clearInterval(timer);
    unsubscribe();
  };
}
