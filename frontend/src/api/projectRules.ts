// GENERATED from webapp/projects/contract.json by `npm run gen:protocol` (python -m webapp.projects.contract --write); do not edit.
// Hand-written helpers live beside it; src/protocol/generated.test.ts fails when this is stale.

export type Role = "owner" | "admin" | "annotator" | "reviewer" | "viewer";
export type Action = "annotate" | "export" | "manage" | "own" | "review" | "view";

/** Every role, most powerful first. */
export const ROLES: readonly Role[] = ["owner", "admin", "annotator", "reviewer", "viewer"];

/** What each role may do (webapp.projects.models.ROLE_ACTIONS). */
export const ROLE_ACTIONS: Readonly<Record<Role, readonly Action[]>> = {
  owner: ["annotate", "export", "manage", "own", "review", "view"],
  admin: ["annotate", "export", "manage", "review", "view"],
  annotator: ["annotate", "export", "view"],
  reviewer: ["review", "view"],
  viewer: ["view"],
};

/** New objects' and labels' colours, in order (webapp.projects.models.PALETTE). */
export const PALETTE: readonly string[] = [
  "#e6194b",
  "#3cb44b",
  "#4363d8",
  "#f58231",
  "#911eb4",
  "#42d4f4",
  "#f032e6",
  "#bfef45",
  "#fabed4",
  "#469990",
  "#dcbeff",
  "#9a6324",
  "#fffac8",
  "#800000",
  "#aaffc3",
  "#808000",
  "#ffd8b1",
  "#000075",
  "#a9a9a9",
];
