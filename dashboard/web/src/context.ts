/** What every view gets: who is logged in, the public settings, the source metadata and the live data. */

import { ApiError, type Config, type Me, type Source } from "./api";
import { t } from "./i18n";
import type { Message } from "./live";
import type { Channel, LiveData } from "./store";

export interface Context {
  me: Me;
  config: Config;
  sources: Source[];
  sourceById: Map<string, Source>;
  /** Place names that masking must leave alone. */
  places: string[];
  data: LiveData;
  /** Call ``listener`` after each live message with the channels it changed; returns the unsubscribe. */
  onLive(listener: (changed: Set<Channel>, message: Message) => void): () => void;
}

/** The text to show for a failed request: "not allowed" for 403, the server's words otherwise. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    return error.status === 403 ? `${t("forbidden")} (${error.detail})` : t("error", { detail: error.detail });
  }
  return t("error", { detail: error instanceof Error ? error.message : String(error) });
}

/** A Vietnamese-or-English summary of an alert ("vi" first when the chosen one is missing). */
export function summaryOf(summary: Partial<Record<"vi" | "en", string>> | null, language: "vi" | "en"): string {
  return summary?.[language] ?? summary?.vi ?? summary?.en ?? "";
}
