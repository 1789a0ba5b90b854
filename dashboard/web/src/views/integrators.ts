/** Integrators: feed health per source (live), rejected records with their reason and a replay
 * button, and the caller's API keys (never their secrets). */

import { api, type ApiKey, type DeadLetter, type HealthRow } from "../api";
import { type Context, errorText } from "../context";
import { fill, h } from "../dom";
import { type Key, lang, t } from "../i18n";
import { healthKey } from "../store";
import { formatDateTime, formatNumber, formatWhen } from "../time";

const STATUS_KEYS: Record<HealthRow["status"], Key> = { ok: "healthOk", silent: "healthSilent", never: "healthNever" };
const STATUS_ORDER: Record<HealthRow["status"], number> = { never: 0, silent: 1, ok: 2 };
const PREVIEW_CHARS = 160;

function header(...keys: Key[]): HTMLElement {
  return h("thead", {}, h("tr", {}, ...keys.map((k) => h("th", {}, t(k)))));
}

export function mountIntegrators(root: HTMLElement, ctx: Context): () => void {
  const language = lang();
  const health = new Map<string, HealthRow>();
  const healthBody = h("tbody");
  const deadBody = h("tbody");
  const keysBody = h("tbody");
  const message = h("div", { class: "message", role: "status" });
  const feeds = [...new Set(ctx.sources.flatMap((s) => s.feeds))].sort();
  const feedSelect = h("select", { id: "dl-feed", onchange: () => void loadDead() },
    h("option", { value: "" }, t("allFeeds")), ...feeds.map((f) => h("option", { value: f }, f)));
  root.append(h("div", { class: "integrators page" },
    message,
    h("h2", {}, t("healthTitle")),
    h("table", { id: "feed-health" }, header("colFeed", "colSource", "colStatus", "colLastSeen", "colRate", "colRejected"), healthBody),
    h("h2", {}, t("deadTitle"), " ", h("label", { for: "dl-feed" }, h("span", { class: "sr-only" }, t("colFeed")), feedSelect)),
    h("table", { id: "dead-letters" }, header("colTime", "colFeed", "colSource", "colReason", "colFieldRule", "colRaw", "colActions"), deadBody),
    h("h2", {}, t("keysTitle")),
    h("p", { class: "muted" }, t("secretsNever")),
    h("table", { id: "api-keys" }, header("colKeyId", "colName", "colRole", "colFeeds", "colCreated", "colRevoked"), keysBody),
  ));

  function renderHealth(): void {
    const rows = [...health.values()].sort(
      (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.feed.localeCompare(b.feed) || a.source.localeCompare(b.source),
    );
    fill(healthBody, ...rows.map((r) => h("tr", { "data-health": healthKey(r), "data-status": r.status, class: `status-${r.status}` },
      h("td", {}, r.feed),
      h("td", {}, r.name ? `${r.name} (${r.source})` : r.source),
      h("td", { class: "status" }, t(STATUS_KEYS[r.status])),
      h("td", {}, r.last_seen ? formatWhen(r.last_seen) : "—"),
      h("td", { class: "num" }, formatNumber(r.per_minute, language, 2)),
      h("td", { class: `num ${r.rejected_share ? "bad" : ""}` },
        r.rejected_share === null ? "—" : `${formatNumber(r.rejected_share * 100, language, 1)} %`),
    )));
  }

  function deadRow(d: DeadLetter): HTMLElement {
    const status = h("div", { class: "feedback" });
    const button = h("button", {
      type: "button", "data-action": "replay", disabled: !d.replayable || d.replayed_at !== null,
      title: d.replayable ? null : t("notReplayable"),
      onclick: async () => {
        button.disabled = true;
        fill(status, t("actionPending"));
        try {
          await api.replay(d.dl_id);
          fill(status, t("replayed", { time: formatWhen(Date.now()) }));
          status.className = "feedback ok";
        } catch (error) {
          button.disabled = false;
          fill(status, errorText(error));
          status.className = "feedback error";
        }
      },
    }, t("replay"));
    const preview = d.raw.length > PREVIEW_CHARS ? `${d.raw.slice(0, PREVIEW_CHARS)}…` : d.raw;
    return h("tr", { "data-dl": d.dl_id },
      h("td", {}, formatDateTime(d.received_at)),
      h("td", {}, d.feed ?? "—"),
      h("td", {}, d.source ?? "—"),
      h("td", { class: "reason" }, d.reason),
      h("td", {}, h("code", {}, `${d.field} / ${d.rule}`)),
      h("td", { class: "raw" }, h("code", { title: d.raw }, preview), h("small", {}, ` (${d.raw_bytes} B)`)),
      h("td", {}, button, d.replayed_at ? h("div", { class: "muted" }, t("replayed", { time: formatDateTime(d.replayed_at) })) : null, status),
    );
  }

  function keyRow(k: ApiKey): HTMLElement {
    return h("tr", { "data-key": k.key_id, class: k.revoked_at ? "revoked" : "" },
      h("td", {}, h("code", {}, k.key_id)), h("td", {}, k.name), h("td", {}, k.role),
      h("td", {}, k.feeds ? k.feeds.join(", ") : t("allFeeds")),
      h("td", {}, formatDateTime(k.created_at)), h("td", {}, k.revoked_at ? formatDateTime(k.revoked_at) : "—"),
    );
  }

  async function loadDead(): Promise<void> {
    try {
      const items = (await api.deadLetters(feedSelect.value)).items;
      fill(deadBody, ...(items.length ? items.map(deadRow) : [h("tr", {}, h("td", { colspan: 7, class: "empty" }, t("none")))]));
    } catch (error) {
      fill(deadBody, h("tr", {}, h("td", { colspan: 7, class: "error" }, errorText(error))));
    }
  }

  api.health().then((answer) => {
    for (const row of answer.sources) health.set(healthKey(row), row);
    renderHealth();
  }).catch((error: unknown) => fill(message, errorText(error)));
  for (const row of ctx.data.health.values()) health.set(healthKey(row), row);
  renderHealth();
  void loadDead();
  api.keys().then((answer) => {
    fill(keysBody, ...(answer.items.length ? answer.items.map(keyRow) : [h("tr", {}, h("td", { colspan: 6, class: "empty" }, t("none")))]));
  }).catch((error: unknown) => fill(keysBody, h("tr", {}, h("td", { colspan: 6, class: "error" }, errorText(error)))));

  const unsubscribe = ctx.onLive((changed, live) => {
    if (!changed.has("health")) return;
    if (live.type === "health") {
      const row = live.data as unknown as HealthRow;
      health.set(healthKey(row), row);
    } else {
      for (const row of ctx.data.health.values()) health.set(healthKey(row), row);
    }
    renderHealth();
  });
  return unsubscribe;
}
