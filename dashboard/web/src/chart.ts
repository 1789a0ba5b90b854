/** A source's history chart (uPlot): range buttons, drag to zoom in, wheel to zoom in and out. Every
 * change of the visible range asks the server again with the bucket that keeps it under ~500 points. */

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api, ApiError } from "./api";
import { chooseBucket } from "./buckets";
import { fill, h } from "./dom";
import { type Key, t } from "./i18n";
import { formatClock, formatDate, ZONE } from "./time";

const RANGES: readonly [Key, number][] = [
  ["range1h", 3_600_000], ["range6h", 21_600_000], ["range24h", 86_400_000], ["range7d", 604_800_000],
];
const HOURLY_ONLY = new Set(["aqi"]); // series that exist as hourly windows only

export interface HistoryChart {
  element: HTMLElement;
  show(sourceId: string, sourceName: string, metric: string): void;
  destroy(): void;
}

function axisValues(splits: number[], spanSeconds: number): string[] {
  return splits.map((s) => {
    const clock = formatClock(s * 1000).slice(0, 5);
    return spanSeconds > 86_400 ? `${formatDate(s * 1000).slice(0, 5)} ${clock}` : clock;
  });
}

export function createHistoryChart(): HistoryChart {
  const title = h("h3", { class: "chart-title" }, t("historyPick"));
  const status = h("span", { class: "chart-status" });
  const buttons = RANGES.map(([label, ms]) =>
    h("button", { type: "button", "data-range": label, onclick: () => showRange(ms) }, t(label)),
  );
  const plotBox = h("div", { class: "chart-plot" });
  const element = h("section", { id: "history", class: "history" }, title, h("div", { class: "chart-bar" }, ...buttons, status), plotBox);

  let plot: uPlot | null = null;
  let current: { source: string; metric: string } | null = null;
  let requested = 0; // answers to older requests are dropped
  let wheelTimer: ReturnType<typeof setTimeout> | null = null;
  const resize = new ResizeObserver(() => plot?.setSize({ width: plotBox.clientWidth, height: 320 }));
  resize.observe(plotBox);

  function makePlot(): uPlot {
    const options: uPlot.Options = {
      width: Math.max(300, plotBox.clientWidth), height: 320,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), ZONE),
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true } },
      legend: { show: false },
      series: [
        {},
        { stroke: "rgb(56,189,248)", width: 2, spanGaps: false },
        { stroke: "rgba(148,163,184,0.6)", width: 1, dash: [4, 4] },
        { stroke: "rgba(148,163,184,0.6)", width: 1, dash: [4, 4] },
      ],
      axes: [
        {
          stroke: "#cbd5e1", grid: { stroke: "#1e293b" },
          values: (u, splits) => axisValues(splits, (u.scales["x"]?.max ?? 0) - (u.scales["x"]?.min ?? 0)),
        },
        { stroke: "#cbd5e1", grid: { stroke: "#1e293b" } },
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 5) return;
            const min = u.posToVal(u.select.left, "x");
            const max = u.posToVal(u.select.left + u.select.width, "x");
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            void load(min * 1000, max * 1000);
          },
        ],
      },
    };
    const made = new uPlot(options, [[], [], [], []], plotBox);
    made.over.addEventListener("wheel", (event) => {
      event.preventDefault();
      const x = made.scales["x"];
      if (x?.min === undefined || x.max === undefined) return;
      const at = made.posToVal(event.offsetX, "x");
      const factor = event.deltaY < 0 ? 0.75 : 1 / 0.75;
      const min = at - (at - x.min) * factor;
      const max = at + (x.max - at) * factor;
      made.setScale("x", { min, max }); // at once on screen; the finer data follows
      if (wheelTimer) clearTimeout(wheelTimer);
      wheelTimer = setTimeout(() => void load(min * 1000, Math.min(max * 1000, Date.now())), 300);
    }, { passive: false });
    return made;
  }

  async function load(start: number, end: number): Promise<void> {
    if (!current) return;
    const ticket = ++requested;
    const bucket = chooseBucket(end - start);
    status.textContent = t("loading");
    try {
      const answer = await api.history({
        source: current.source, metric: current.metric, bucket,
        start: new Date(start).toISOString(), end: new Date(end).toISOString(),
      });
      if (ticket !== requested) return;
      const wanted = HOURLY_ONLY.has(current.metric) ? "vn_aqi_1h" : "mean_60s";
      let rows = answer.items.filter((r) => r.kpi === wanted);
      if (rows.length === 0) rows = answer.items; // whatever windows exist for it
      const data: uPlot.AlignedData = [
        rows.map((r) => Date.parse(r.bucket) / 1000),
        rows.map((r) => r.value), rows.map((r) => r.min), rows.map((r) => r.max),
      ];
      plot ??= makePlot();
      plot.setData(data, false);
      plot.setScale("x", { min: start / 1000, max: end / 1000 });
      status.textContent = rows.length ? t("historyBucket", { bucket }) : t("historyEmpty");
    } catch (error) {
      if (ticket !== requested) return;
      status.textContent = t("error", { detail: error instanceof ApiError ? error.detail : String(error) });
    }
  }

  function showRange(ms: number): void {
    const end = Date.now();
    void load(end - ms, end);
  }

  return {
    element,
    show(sourceId, sourceName, metric) {
      current = { source: sourceId, metric };
      fill(title, t("history", { source: sourceName, metric }));
      showRange(RANGES[2]![1]);
    },
    destroy() {
      resize.disconnect();
      if (wheelTimer) clearTimeout(wheelTimer);
      plot?.destroy();
      plot = null;
    },
  };
}
