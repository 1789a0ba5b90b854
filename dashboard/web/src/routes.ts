/** Hash routes and which roles may see which view. */

import type { Role } from "./api";

export const VIEWS = ["wall", "desk", "officials", "integrators"] as const;
export type View = (typeof VIEWS)[number];

const ALLOWED: Record<Role, readonly View[]> = {
  operator: ["wall", "desk"],
  official: ["officials"],
  integrator: ["integrators"],
  admin: VIEWS,
};

export function viewsOf(role: Role): readonly View[] {
  return ALLOWED[role] ?? [];
}

/** "#/desk" → "desk"; "#/login" and anything unknown → "login". */
export function parseHash(hash: string): View | "login" {
  const name = hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "";
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : "login";
}

/** Where a user lands: the asked view if the role allows it, else the role's first view. */
export function landing(role: Role, asked: View | "login"): View | null {
  const allowed = viewsOf(role);
  if (asked !== "login" && allowed.includes(asked)) return asked;
  return allowed[0] ?? null;
}
