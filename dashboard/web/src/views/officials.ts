/** Officials: the Decision 766 index per agency (score, band, rank within its peer group), sortable,
 * the dossiers and reports behind a low score, the daily summary, and the notifications sent (to them, when
 * their account is linked to a receiver). */

import { type AgencyIndex, api, type Cost, type Delivery, type Index766 } from "../api";
import { type Context, errorText } from "../context";
import { fill, h } from "../dom";
import { type Key, lang, t } from "../i18n";
import { type Direction, nextSort, sortRows } from "../sorting";
import { formatDate, formatDateTime, formatNumber } from "../time";
import { DELIVERY_KEYS, mountSummary } from "./summary";

type Column = "name" | "peer_group" | "total" | "band" | "rank" | "overdue";
const COLUMNS: readonly [Column, Key][] = [
  ["name", "colAgency"], ["peer_group", "colGroup"], ["total", "colTotal"], ["band", "colBand"],
  ["rank", "colRank"], ["overdue", "colOverdue"],
];
const GROUP_KEYS: Record<string, Key> = { department: "groupDepartment", commune: "groupCommune" };
const REASON_KEYS: Record<string, Key> = {
  past_appointment: "reasonPastAppointment", supplements: "reasonSupplements", no_appointment: "reasonNoAppointment",
  refuse: "reasonRefuse", request_info: "reasonRequestInfo", answer: "reasonAnswer", publish: "reasonPublish",
};
const COST_COLUMNS: Key[] = ["colCode", "colKind", "colProcedure", "colReceived", "colDue", "colLateDays", "colReason", "colStatus"];

/** The items that cost an agency points: no citizen is named (the feeds carry none), only codes. */
function costTable(a: AgencyIndex): HTMLElement {
  const total = (a.counts["late"] ?? 0) + (a.counts["overdue"] ?? 0) + (a.counts["feedback_late"] ?? 0);
  const row = (c: Cost) => h("tr", { "data-cost": c.id, class: `cost-${c.state}` },
    h("td", {}, h("code", {}, c.id)),
    h("td", {}, t(c.kind === "dossier" ? "kindDossier" : "kindFeedback")),
    h("td", {}, c.procedure ?? "—"),
    h("td", {}, formatDate(c.received_at)),
    h("td", {}, c.due ? formatDate(c.due) : "—"),
    h("td", { class: "num" }, c.late_days),
    h("td", {}, REASON_KEYS[c.reason] ? t(REASON_KEYS[c.reason]!) : c.reason),
    h("td", { class: c.state === "overdue" ? "bad" : "" }, t(c.state === "overdue" ? "stateOverdue" : "stateLate")),
  );
  return h("div", {},
    h("table", { class: "costly" }, h("thead", {}, h("tr", {}, ...COST_COLUMNS.map((k) => h("th", {}, t(k))))),
      h("tbody", {}, ...a.costly.map(row))),
    total > a.costly.length ? h("p", { class: "muted" }, t("costlyShown", { shown: a.costly.length, total })) : null,
  );
}

function cellValue(a: AgencyIndex, column: Column): string | number | null {
  switch (column) {
    case "name":
      return a.name ?? a.agency;
    case "overdue":
      return a.counts["overdue"] ?? 0;
    case "rank":
      return a.rank;
    default:
      return a[column];
  }
}

export function mountOfficials(root: HTMLElement, _ctx: Context): () => void {
  const language = lang();
  let index: Index766 | null = null;
  let sort: { key: Column; direction: Direction } = { key: "total", direction: "desc" };
  let open: string | null = null;
  const period = h("p", { class: "muted" }, t("loading"));
  const head = h("tr");
  const body = h("tbody");
  const deliveries = h("tbody");
  const deliveriesTitle = h("h2", {}, t("deliveriesTitle"));
  const message = h("div", { class: "message", role: "status" });
  const page = h("div", { class: "officials page" },
    h("h2", {}, t("officialsTitle")), period, message,
    h("table", { id: "index766", class: "sortable" }, h("thead", {}, head), body),
  );
  mountSummary(page);
  root.append(page);
  page.append(deliveriesTitle,
    h("table", { id: "deliveries" },
      h("thead", {}, h("tr", {}, ...(["colTime", "colAlert", "colReceiver", "colChannel", "colStatus", "colAttempt", "colError"] as Key[]).map((k) => h("th", {}, t(k))))),
      deliveries),
  );

  function render(): void {
    fill(head, ...COLUMNS.map(([column, key]) => h("th", {
      "data-sort": column, "aria-sort": sort.key === column ? (sort.direction === "asc" ? "ascending" : "descending") : "none",
      onclick: () => {
        sort = nextSort(sort, column, column === "total" || column === "overdue" ? "desc" : "asc");
        render();
      },
    }, t(key))));
    if (!index) return;
    if (index.agencies.length === 0) {
      fill(body, h("tr", {}, h("td", { colspan: 6, class: "empty" }, t("none"))));
      return;
    }
    const rows = sortRows(index.agencies, (a) => cellValue(a, sort.key), sort.direction);
    fill(body, ...rows.flatMap((a) => {
      const overdue = a.counts["overdue"] ?? 0;
      const row = h("tr", {
        "data-agency": a.agency, class: `band-${a.band.split(" ")[0]?.toLowerCase() ?? ""}`, tabindex: 0,
        "aria-expanded": String(open === a.agency),
        onclick: () => {
          open = open === a.agency ? null : a.agency;
          render();
        },
      },
        h("td", {}, a.name ?? a.agency),
        h("td", {}, t(GROUP_KEYS[a.peer_group] ?? "groupOther")),
        h("td", { class: "num" }, formatNumber(a.total, language, 2)),
        h("td", {}, a.band),
        h("td", { class: "num" }, `${a.rank}/${a.of}`),
        h("td", { class: `num ${overdue ? "bad" : ""}` }, overdue),
      );
      if (open !== a.agency) return [row];
      const detail = h("td", { colspan: COLUMNS.length },
        h("h3", {}, t("costlyTitle", { agency: a.name ?? a.agency })),
        a.costly.length ? costTable(a) : h("p", {}, t("costlyNone")),
      );
      return [row, h("tr", { class: "detail", "data-agency-detail": a.agency }, detail)];
    }));
  }

  function renderDeliveries(items: readonly Delivery[]): void {
    if (items.length === 0) {
      fill(deliveries, h("tr", {}, h("td", { colspan: 7, class: "empty" }, t("none"))));
      return;
    }
    fill(deliveries, ...items.map((d) => h("tr", { class: `delivery-${d.status}` },
      h("td", {}, formatDateTime(d.time)),
      h("td", {}, h("code", {}, d.transition_id.split("#")[0] ?? d.transition_id)),
      h("td", {}, d.receiver), h("td", {}, d.channel), h("td", {}, DELIVERY_KEYS[d.status] ? t(DELIVERY_KEYS[d.status]!) : d.status),
      h("td", { class: "num" }, d.attempt), h("td", {}, d.error ?? ""),
    )));
  }

  render();
  api.index766().then((answer) => {
    index = answer;
    fill(period, t("officialsPeriod", { since: answer.since ? formatDate(answer.since) : "—", at: formatDateTime(answer.at), version: answer.version }));
    render();
  }).catch((error: unknown) => {
    fill(period);
    fill(message, errorText(error));
  });
  api.deliveries().then((answer) => {
    if (answer.receiver) fill(deliveriesTitle, t("deliveriesMine", { receiver: answer.receiver }));
    renderDeliveries(answer.items);
  }).catch((error: unknown) => fill(message, errorText(error)));
  return () => undefined;
}
