/** The login form. */

import { api, ApiError, type Me } from "../api";
import { h } from "../dom";
import { t } from "../i18n";

export function mountLogin(root: HTMLElement, onLoggedIn: (me: Me) => void): () => void {
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { id: "login-submit", type: "submit" }, t("loginSubmit"));
  const error = h("p", { id: "login-error", class: "error", role: "alert", hidden: true });
  const form = h("form", { id: "login-form", class: "login" },
    h("h1", {}, t("appTitle")), h("h2", {}, t("loginTitle")),
    h("label", { for: "username" }, t("username")), username,
    h("label", { for: "password" }, t("password")), password,
    submit, error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      onLoggedIn(await api.login(username.value.trim(), password.value));
    } catch (e) {
      error.textContent =
        e instanceof ApiError && e.status === 401 ? t("loginWrong")
        : e instanceof ApiError && e.status === 429 ? t("loginThrottled", { seconds: e.retryAfter ?? 60 })
        : t("loginFailed", { detail: e instanceof ApiError ? e.detail : String(e) });
      error.hidden = false;
      password.value = "";
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  root.append(h("div", { class: "login-page" }, form));
  username.focus();
  return () => undefined;
}
