/** The officials' daily summary: one local day per domain (GET /api/summary/daily), any past day by its date. */

import { api, type DailySummary, type Named } from "../api";
import { errorText } from "../context";
import { fill, h } from "../dom";
import { type Key, lang, t } from "../i18n";
import { formatDate, formatDateTime, formatHourMinute, formatNumber, localDay } from "../time";
import { DOMAIN_KEYS, ROMAN, SEVERITY_KEYS } from "./describe";

export const DELIVERY_KEYS: Record<string, Key> = {
  sent: "deliverySent", retry: "deliveryRetry", failed: "deliveryFailed", skipped: "deliverySkipped",
  silenced: "deliverySilenced", grouped: "deliveryGrouped",
};
const SERVICE_KEYS: [keyof DailySummary["services"], Key][] = [
  ["accepted", "servicesAccepted"], ["refused", "servicesRefused"], ["done", "servicesDone"],
  ["feedback", "servicesFeedback"], ["payments", "servicesPayments"],
];

function label(n: Named): string {
  return n.name ?? n.source;
}

function at(value: string | null): string {
  return value ? formatHourMinute(value) : "—";
}

function card(domain: string, title: Key, line: string | null, items: string[]): HTMLElement {
  return h("section", { class: "summary-card", "data-summary": domain },
    h("h3", {}, t(title)),
    line ? h("p", {}, line) : null,
    items.length ? h("ul", {}, ...items.map((item) => h("li", {}, item))) : h("p", { class: "muted" }, t("nothing")),
  );
}

function counts(entries: [string, number][]): HTMLElement {
  return h("dl", { class: "counts" }, ...entries.flatMap(([name, n]) => [h("dt", {}, name), h("dd", { class: "num" }, n)]));
}

export function renderSummary(s: DailySummary): HTMLElement[] {
  const language = lang();
  const air = card("air", "summaryAir", t("summaryAirLine", { stations: s.air.stations }), s.air.worst.map((w) =>
    t("summaryAirWorst", { name: label(w), aqi: w.aqi, category: w.category[language], at: at(w.at) })));
  const rain = s.water.rain_max_mm === null ? "—" : formatNumber(s.water.rain_max_mm, language, 1);
  const water = card("water", "summaryWater", t("summaryWaterLine", { gauges: s.water.gauges, rain }), s.water.worst.map((g) =>
    t("summaryWaterWorst", {
      name: label(g), level: formatNumber(g.level, language, 2), at: at(g.at),
      alarm: g.alarm ? t("alarmLevel", { level: ROMAN[g.alarm] ?? g.alarm }) : t("alarmNone"),
      rain: g.rain_mm === null ? "—" : formatNumber(g.rain_mm, language, 1),
    })));
  const traffic = card("traffic", "summaryTraffic",
    t("summaryTrafficLine", { congested: s.traffic.congested, segments: s.traffic.segments }),
    s.traffic.worst.map((r) => t("summaryTrafficWorst", { name: label(r), minutes: r.congested_minutes })));
  const services = h("section", { class: "summary-card", "data-summary": "services" },
    h("h3", {}, t("summaryServices")),
    counts(SERVICE_KEYS.map(([name, key]) => [t(key), s.services[name]])));
  const raised = Object.entries(s.alerts.raised).map(([domain, bySeverity]) => `${t(DOMAIN_KEYS[domain] ?? "domainFeed")}: ${
    Object.entries(bySeverity).map(([severity, n]) => `${n} ${t(SEVERITY_KEYS[severity] ?? "severityInfo").toLowerCase()}`).join(", ")}`);
  const open = Object.values(s.alerts.open_at_end).reduce((a, b) => a + b, 0);
  const median = s.alerts.ack_median_minutes;
  const alerts = h("section", { class: "summary-card", "data-summary": "alerts" },
    h("h3", {}, t("summaryAlerts")),
    counts([
      [t("alertsRaised"), s.alerts.raised_total], [t("alertsResolved"), s.alerts.resolved], [t("alertsOpenAtEnd"), open],
    ]),
    raised.length ? h("ul", {}, ...raised.map((line) => h("li", {}, line))) : null,
    h("p", {}, `${t("alertsAckMedian")}: ${median === null ? "—" : t("minutes", { n: formatNumber(median, language, 1) })}`),
  );
  const sent = h("section", { class: "summary-card", "data-summary": "notifications" },
    h("h3", {}, t("summaryNotifications")),
    Object.keys(s.notifications).length ? counts(Object.entries(s.notifications).map(([status, n]) => [DELIVERY_KEYS[status] ? t(DELIVERY_KEYS[status]) : status, n])) : h("p", { class: "muted" }, t("nothing")));
  return [air, water, traffic, services, alerts, sent];
}

/** The summary section with its day picker; loads the day asked for. */
export function mountSummary(root: HTMLElement): void {
  const today = localDay();
  const picker = h("input", { type: "date", id: "summary-day", value: today, max: today, "aria-label": t("summaryDay") });
  const note = h("p", { class: "muted" });
  const title = h("h2", {});
  const cards = h("div", { class: "summary", id: "summary" });
  root.append(h("div", { class: "summary-head" }, title, h("label", {}, `${t("summaryDay")} `, picker)), note, cards);

  function load(day: string): void {
    // the picker shows the day in the browser's own format: the title says it the Vietnamese way
    fill(title, `${t("summaryTitle")} ${formatDate(`${day}T12:00:00+07:00`)}`);
    fill(note, t("loading"));
    api.dailySummary(day).then((s) => {
      fill(note, s.complete ? "" : t("summaryUpTo", { at: formatDateTime(s.to) }));
      fill(cards, ...renderSummary(s));
    }).catch((error: unknown) => {
      fill(note, errorText(error));
      fill(cards);
    });
  }
  picker.addEventListener("change", () => {
    if (picker.value) load(picker.value);
  });
  load(today);
}
