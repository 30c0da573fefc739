// The generated TypeScript (messages.ts, api/projectRules.ts) is what the generator makes from
// the server's checked-in JSON now: `npm test` (and so `make test`) fails when it is stale.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CLOSE_REASONS, PROTOCOL_VERSION } from "./messages";
import { PALETTE, ROLE_ACTIONS } from "../api/projectRules";

const FRONT = resolve(__dirname, "../..");
const json = (p: string) => JSON.parse(readFileSync(resolve(FRONT, "..", p), "utf8"));

describe("generated protocol and project rules", () => {
  it("are current (else: npm run gen:protocol)", () => {
    // Throws (exit 1, naming the stale file) when a regenerated file differs from the checked-in one.
    execFileSync("node", ["scripts/gen-protocol.mjs", "--check"], { cwd: FRONT, stdio: "pipe" });
  }, 30_000);

  it("carry the server's values", () => {
    const schema = json("webapp/realtime/protocol.schema.json");
    const contract = json("webapp/projects/contract.json");
    expect(PROTOCOL_VERSION).toBe(schema.protocol);
    expect(Object.keys(CLOSE_REASONS).sort()).toEqual(Object.keys(schema.close_reasons).sort());
    expect(PALETTE).toEqual(contract.palette);
    expect(ROLE_ACTIONS).toEqual(contract.role_actions);
  });
});
