/** The operator desk: the alert feed with filters and actions (shown at once, then as the server
 * answers), live transitions, a small map, and the history chart of a picked alert or map point. */

import { type Alert, type AlertState, api, ApiError } from "../api";
import {
  ACTIONS, type ActionBody, type ActionName, allowed, type Filters, mergeAlert, NO_FILTERS, optimistic, queryOf, sortAlerts,
} from "../alert-list";
import { createHistoryChart } from "../chart";
import { SEVERITY_COLOURS } from "../colours";
import { type Context, errorText, summaryOf } from "../context";
import { fill, h } from "../dom";
import { readingOf } from "../figures";
import { type Key, lang, t } from "../i18n";
import { createMap } from "../map";
import { domainOf, MAIN_METRIC } from "../sources";
import { formatDateTime, formatNumber } from "../time";
import { currentFigures, describeReading, DOMAIN_KEYS, domainName, overdueOf, SEVERITY_KEYS, STATE_KEYS, unitLabeller } from "./describe";

const REFRESH_MS = 60_000;
const ACTION_KEYS: Record<ActionName, Key> = {
  acknowledge: "actAcknowledge", assign: "actAssign", comment: "actComment", resolve: "actResolve", silence: "actSilence",
};

function select(id: string, label: Key, options: Record<string, Key>, value: string, onChange: (v: string) => void): HTMLElement {
  const control = h("select", { id, onchange: (e) => onChange((e.target as HTMLSelectElement).value) },
    h("option", { value: "" }, t("filterAll")),
    ...Object.entries(options).map(([v, key]) => h("option", { value: v, selected: v === value }, t(key))),
  );
  return h("label", { for: id }, h("span", {}, t(label)), control);
}

export function mountDesk(root: HTMLElement, ctx: Context): () => void {
  const language = lang();
  let filters: Filters = { ...NO_FILTERS };
  let alerts: Alert[] = [];
  const feedback = new Map<string, string>(); // fingerprint → what happened to the last action
  let overdue: Map<string, number> | null = null;
  const nameOf = (id: string) => ctx.sourceById.get(id)?.name ?? id;

  const chart = createHistoryChart();
  const showHistory = (sourceId: string, metric: string | null) => {
    if (metric) chart.show(sourceId, nameOf(sourceId), metric);
    else fill(chart.element.querySelector(".chart-title")!, `${nameOf(sourceId)}: ${t("historyNoMetric")}`);
  };
  const map = createMap({
    sources: ctx.sources, tileUrl: ctx.config.tile_url, unitLabel: unitLabeller(ctx.sources), labels: false,
    onPick: (s) => {
      const domain = domainOf(s);
      showHistory(s.id, domain ? MAIN_METRIC[domain] : null);
    },
  });
  const message = h("div", { id: "desk-message", class: "message", role: "status" });
  const rows = h("tbody");
  const unitInput = h("input", { id: "filter-unit", type: "search", placeholder: "HUE.PHUHOI", autocomplete: "off" });
  let unitTimer: ReturnType<typeof setTimeout> | null = null;
  unitInput.addEventListener("input", () => {
    if (unitTimer) clearTimeout(unitTimer);
    unitTimer = setTimeout(() => setFilter({ unit: unitInput.value }), 300);
  });
  root.append(h("div", { class: "desk" },
    h("section", { class: "desk-alerts" },
      h("form", { class: "filters", onsubmit: (e) => e.preventDefault() },
        select("filter-domain", "filterDomain", DOMAIN_KEYS, filters.domain, (domain) => setFilter({ domain })),
        select("filter-severity", "filterSeverity", SEVERITY_KEYS, filters.severity, (severity) => setFilter({ severity })),
        select("filter-state", "filterState", STATE_KEYS, filters.state, (state) => setFilter({ state })),
        h("label", { for: "filter-unit" }, h("span", {}, t("filterUnit")), unitInput),
      ),
      message,
      h("table", { class: "alerts" },
        h("thead", {}, h("tr", {}, ...(["colSeverity", "colDomain", "colSource", "colUnit", "colSummary", "colValue",
          "colOpened", "colState", "colAssignee", "colActions"] as Key[]).map((k) => h("th", {}, t(k))))),
        rows,
      ),
    ),
    h("aside", { class: "desk-side" }, h("div", { class: "desk-map" }, map.element), chart.element),
  ));

  function setFilter(change: Partial<Filters>): void {
    filters = { ...filters, ...change };
    void load();
  }

  async function load(): Promise<void> {
    try {
      alerts = sortAlerts((await api.alerts(queryOf(filters))).items);
      fill(message);
    } catch (error) {
      fill(message, errorText(error));
    }
    renderRows();
  }

  function row(alert: Alert): HTMLElement {
    const n = (v: number | null) => (v === null ? "—" : formatNumber(v, language));
    const buttons = ACTIONS.map((action) =>
      h("button", {
        type: "button", "data-action": action, disabled: !allowed(action, alert.state) || feedback.get(alert.fingerprint) === "pending",
        onclick: (e) => {
          e.stopPropagation();
          void act(alert, action);
        },
      }, t(ACTION_KEYS[action])),
    );
    const state = feedback.get(alert.fingerprint);
    const stateKey = STATE_KEYS[alert.state];
    return h("tr", {
      "data-fingerprint": alert.fingerprint, "data-state": alert.state, class: `sev-${alert.severity}`,
      style: `--sev:${SEVERITY_COLOURS[alert.severity] ?? "#64748b"}`, tabindex: 0,
      onclick: () => showHistory(alert.source, alert.metric ?? MAIN_METRIC[domainOf(ctx.sourceById.get(alert.source) ?? { feeds: [alert.feed] }) ?? "service"]),
    },
      h("td", { class: "severity" }, t(SEVERITY_KEYS[alert.severity] ?? "severityInfo")),
      h("td", {}, domainName(alert.domain)),
      h("td", {}, nameOf(alert.source)),
      h("td", {}, alert.unit_code ?? "—"),
      h("td", { class: "summary" }, summaryOf(alert.summary, language) || alert.rule),
      h("td", { class: "num" }, `${n(alert.value)} / ${n(alert.threshold)}`),
      h("td", {}, formatDateTime(alert.opened_at)),
      h("td", { class: "state" }, stateKey ? t(stateKey) : alert.state,
        alert.silenced_until && Date.parse(alert.silenced_until) > Date.now()
          ? h("div", { class: "muted" }, t("silencedUntil", { time: formatDateTime(alert.silenced_until) })) : null),
      h("td", {}, alert.assignee ?? "—"),
      h("td", { class: "actions" }, ...buttons,
        state ? h("div", { class: `feedback ${state === "pending" ? "" : state.startsWith("!") ? "error" : "ok"}` },
          state === "pending" ? t("actionPending") : state.replace(/^!/, "")) : null),
    );
  }

  function renderRows(): void {
    if (alerts.length === 0) fill(rows, h("tr", {}, h("td", { colspan: 10, class: "empty" }, t("noAlerts"))));
    else fill(rows, ...alerts.map(row));
  }

  function ask(action: ActionName): ActionBody | null {
    if (action === "assign") {
      const assignee = window.prompt(t("askAssignee"))?.trim();
      return assignee ? { assignee } : null;
    }
    if (action === "comment") {
      const comment = window.prompt(t("askComment"))?.trim();
      return comment ? { comment } : null;
    }
    if (action === "silence") {
      const minutes = Number(window.prompt(t("askMinutes"), "60"));
      return Number.isInteger(minutes) && minutes > 0 ? { minutes } : null;
    }
    return {};
  }

  function replace(fingerprint: string, change: (a: Alert) => Alert): void {
    alerts = alerts.map((a) => (a.fingerprint === fingerprint ? change(a) : a));
  }

  async function act(alert: Alert, action: ActionName): Promise<void> {
    const body = ask(action);
    if (body === null) return;
    const before = alerts.find((a) => a.fingerprint === alert.fingerprint) ?? alert;
    replace(alert.fingerprint, (a) => optimistic(a, action, body, Date.now()));
    feedback.set(alert.fingerprint, "pending");
    renderRows();
    try {
      const answer = await api.act(alert.fingerprint, action, body as Record<string, unknown>);
      const transition = answer.transition;
      if (transition) {
        replace(alert.fingerprint, (a) => (a.seq <= transition.seq ? { ...a, seq: transition.seq, state: transition.state as AlertState } : a));
      }
      feedback.set(alert.fingerprint, t(answer.status === "applied" ? "actionApplied" : "actionQueued"));
      fill(message);
    } catch (error) {
      replace(alert.fingerprint, () => before);
      const text = error instanceof ApiError && error.status !== 403 ? error.detail : errorText(error);
      feedback.set(alert.fingerprint, `!${text}`);
      fill(message, errorText(error));
    }
    renderRows();
  }

  function renderMap(): void {
    const values = currentFigures(ctx, overdue);
    const readings = new Map(ctx.sources.map((s) => [s.id, readingOf(s, values)]));
    map.update(readings, (s, r) => describeReading(s, r, values));
  }

  let mapPending = false;
  const unsubscribe = ctx.onLive((changed, live) => {
    if (live.type === "alerts") {
      alerts = mergeAlert(alerts, live.data as unknown as Alert, filters);
      renderRows();
    } else if (live.type === "snapshot" && changed.has("alerts")) {
      void load(); // a fresh snapshot: deltas may have been lost, ask again
    }
    if (!mapPending && (changed.has("kpi") || changed.has("obs"))) {
      mapPending = true;
      setTimeout(() => {
        mapPending = false;
        renderMap();
      }, 1000);
    }
  });
  const refresh = setInterval(() => void load(), REFRESH_MS);
  renderMap();
  void load();
  void api.index766().then((index) => {
    overdue = overdueOf(index.agencies);
    renderMap();
  }).catch(() => undefined); // agencies stay grey: no figure rather than a guess

  return () => {
    clearInterval(refresh);
    if (unitTimer) clearTimeout(unitTimer);
    unsubscribe();
    chart.destroy();
  };
}
