/** The app: the session, the top bar, the hash router and the one live connection all views share. */

import "./styles.css";
import { api, type Config, type Me, rememberCsrf, type Source, whenUnauthorized } from "./api";
import type { Context } from "./context";
import { fill, h } from "./dom";
import { initLang, type Key, lang, setLang, t } from "./i18n";
import { browserSocket, LiveClient, type LiveState, type Message } from "./live";
import { landing, parseHash, type View, viewsOf } from "./routes";
import { placeNames } from "./sources";
import { applyMessage, type Channel, emptyData } from "./store";
import { formatClock } from "./time";
import { mountDesk } from "./views/desk";
import { mountIntegrators } from "./views/integrators";
import { mountLogin } from "./views/login";
import { mountOfficials } from "./views/officials";
import { mountWall } from "./views/wall";

const NAV_KEYS: Record<View, Key> = {
  wall: "navWall", desk: "navDesk", officials: "navOfficials", integrators: "navIntegrators",
};
const MOUNT: Record<View, (root: HTMLElement, ctx: Context) => () => void> = {
  wall: mountWall, desk: mountDesk, officials: mountOfficials, integrators: mountIntegrators,
};

initLang();
const topbar = h("header", { id: "topbar", class: "topbar", hidden: true });
const main = h("main", { id: "view" });
document.body.replaceChildren(topbar, main);

let config: Config = { tile_url: null, languages: ["vi", "en"] };
let ctx: Context | null = null;
let live: LiveClient | null = null;
let liveState: LiveState = { status: "connecting", staleSince: null, attempt: 0, reason: null };
let unmount: () => void = () => undefined;
const listeners = new Set<(changed: Set<Channel>, message: Message) => void>();

function renderConn(): void {
  const conn = document.getElementById("conn");
  if (!conn) return;
  conn.dataset["status"] = liveState.status;
  const since = liveState.staleSince === null ? "" : ` — ${t("connStale", { time: formatClock(liveState.staleSince) })}`;
  conn.textContent =
    liveState.status === "live" ? t("connLive")
    : liveState.status === "connecting" ? t("connConnecting")
    : liveState.status === "closed" ? `${t("connLost")}${since} (${t("connClosed", { reason: liveState.reason ?? "" })})`
    : `${t("connLost")}${since}`;
}

function renderTopbar(view: View | "login"): void {
  if (!ctx || view === "login") {
    topbar.hidden = true;
    return;
  }
  topbar.hidden = false;
  fill(topbar,
    h("nav", { class: "nav" }, ...viewsOf(ctx.me.role).map((v) =>
      h("a", { href: `#/${v}`, class: v === view ? "active" : "", "aria-current": v === view ? "page" : null }, t(NAV_KEYS[v])))),
    h("span", { class: "spacer" }),
    h("span", { id: "conn", class: "conn", role: "status" }),
    h("span", { id: "user", class: "user" }, ctx.me.display_name),
    h("button", { id: "lang", type: "button", onclick: toggleLang }, t("langButton")),
    h("button", { id: "logout", type: "button", onclick: () => void logout() }, t("logout")),
  );
  renderConn();
}

function route(): void {
  unmount();
  unmount = () => undefined;
  main.replaceChildren();
  const asked = parseHash(location.hash);
  if (!ctx) {
    renderTopbar("login");
    if (asked !== "login") sessionStorage.setItem("ioc.after-login", location.hash);
    if (location.hash !== "#/login") history.replaceState(null, "", "#/login");
    unmount = mountLogin(main, (me) => void start(me));
    return;
  }
  const view = landing(ctx.me.role, asked);
  if (view === null) {
    renderTopbar("login");
    main.append(h("p", { class: "message" }, t("noView")));
    return;
  }
  if (`#/${view}` !== location.hash) history.replaceState(null, "", `#/${view}`);
  renderTopbar(view);
  unmount = MOUNT[view](main, ctx);
}

function toggleLang(): void {
  setLang(lang() === "vi" ? "en" : "vi");
  route();
}

async function start(me: Me): Promise<void> {
  rememberCsrf(me.csrf_token);
  let sources: Source[] = [];
  try {
    sources = (await api.sources()).items;
  } catch {
    // The map and names need them, but the tables do not: go on without.
  }
  const data = emptyData();
  ctx = {
    me, config, sources, data,
    sourceById: new Map(sources.map((s) => [s.id, s])),
    places: placeNames(sources),
    onLive(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const views = viewsOf(me.role);
  const channels = ["kpi", "health"];
  if (views.includes("wall") || views.includes("desk")) channels.push("obs", "alerts");
  else if (me.role === "official") channels.push("alerts");
  live = new LiveClient({
    channels,
    connect: browserSocket,
    onMessage(message) {
      const changed = applyMessage(data, message);
      for (const listener of listeners) listener(changed, message);
    },
    onState(state) {
      liveState = state;
      renderConn();
    },
    onUnauthorized: ended,
  });
  live.start();
  const after = sessionStorage.getItem("ioc.after-login");
  sessionStorage.removeItem("ioc.after-login");
  if (after && parseHash(after) !== "login") history.replaceState(null, "", after);
  route();
}

/** The session is over (logout, or the server said 401): forget it and show the login form. */
function ended(): void {
  live?.stop();
  live = null;
  ctx = null;
  listeners.clear();
  liveState = { status: "connecting", staleSince: null, attempt: 0, reason: null };
  rememberCsrf(null);
  if (location.hash !== "#/login") location.hash = "#/login";
  else route();
}

async function logout(): Promise<void> {
  try {
    await api.logout();
  } finally {
    ended();
  }
}

whenUnauthorized(ended);
window.addEventListener("hashchange", route);

async function boot(): Promise<void> {
  try {
    config = await api.config();
  } catch {
    // Public settings unreachable: no tile layer, which is the offline default anyway.
  }
  try {
    await start(await api.me());
  } catch {
    route();
  }
}
void boot();
