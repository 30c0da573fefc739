// Generates the TypeScript the frontend shares with the server, from the JSON the server dumps:
//   webapp/realtime/protocol.schema.json -> src/protocol/messages.ts (json-schema-to-typescript)
//   webapp/projects/contract.json        -> src/api/projectRules.ts  (palette, role -> actions)
// `npm run gen:protocol` writes both; `node scripts/gen-protocol.mjs --check` exits 1 when either
// is stale (src/protocol/generated.test.ts runs it, so `npm test` fails on drift). Refresh the
// JSON first with `python -m webapp.realtime.protocol_docs --write` / `python -m webapp.projects.contract --write`.
import { compile } from "json-schema-to-typescript";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const FRONT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPO = resolve(FRONT, "..");
const SCHEMA = resolve(REPO, "webapp/realtime/protocol.schema.json");
const CONTRACT = resolve(REPO, "webapp/projects/contract.json");
const MESSAGES_TS = resolve(FRONT, "src/protocol/messages.ts");
const RULES_TS = resolve(FRONT, "src/api/projectRules.ts");

// `Error` would shadow the global class.
const RENAME = { Error: "ErrorMessage" };
const banner = (src, cmd) =>
  `// GENERATED from ${src} by \`npm run gen:protocol\` (${cmd}); do not edit.\n` +
  `// Hand-written helpers live beside it; src/protocol/generated.test.ts fails when this is stale.\n`;

const defName = (ref) => {
  const name = ref.split("/").pop();
  return RENAME[name] ?? name;
};

/** One `$defs` for both sides (pydantic writes `#/client/$defs/X` and `#/server/$defs/X`). */
function rewrite(node) {
  if (Array.isArray(node)) return node.map(rewrite);
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === "$ref" ? `#/$defs/${defName(v)}` : rewrite(v);
  }
  return out;
}

/** Property titles would become type aliases; a message's `type` is always sent. */
function model(def) {
  const d = rewrite(def);
  delete d.title;
  for (const p of Object.values(d.properties ?? {})) delete p.title;
  if (d.properties?.type) d.required = ["type", ...(d.required ?? []).filter((r) => r !== "type")];
  return d;
}

async function messagesTs(schema) {
  const defs = {};
  for (const side of ["client", "server"]) {
    for (const [name, def] of Object.entries(schema[side].$defs)) {
      const key = RENAME[name] ?? name;
      const m = model(def);
      if (defs[key] && JSON.stringify(defs[key]) !== JSON.stringify(m)) {
        throw new Error(`${key} differs between the client and server schemas`);
      }
      defs[key] = m;
    }
  }
  defs.ClientMessage = { oneOf: rewrite(schema.client.oneOf) };
  defs.ServerMessage = { oneOf: rewrite(schema.server.oneOf) };
  const root = {
    title: "ProtocolSchema",
    type: "object",
    additionalProperties: false,
    properties: {
      client: { $ref: "#/$defs/ClientMessage" },
      server: { $ref: "#/$defs/ServerMessage" },
    },
    $defs: defs,
  };
  let types = await compile(root, "ProtocolSchema", {
    bannerComment: "",
    additionalProperties: false,
    unreachableDefinitions: true,
    format: true,
  });
  types = types.replace(/\n \*\n \* This interface was referenced by `ProtocolSchema`'s JSON-Schema\n \* via the `definition` "\w+"\./g, "");
  types = types.replace(/\/\*\*\n \* This interface was referenced by `ProtocolSchema`'s JSON-Schema\n \* via the `definition` "\w+"\.\n \*\/\n/g, "");
  const reasons = Object.entries(schema.close_reasons)
    .map(([code, reason]) => `  ${code}: ${JSON.stringify(reason)},`)
    .join("\n");
  return (
    banner("webapp/realtime/protocol.schema.json", "python -m webapp.realtime.protocol_docs --write") +
    `\n/** The protocol version this client speaks; session.state carries the server's. */\n` +
    `export const PROTOCOL_VERSION = ${JSON.stringify(schema.protocol)};\n\n` +
    `/** The reason of each app close code (the server sends it as the close frame's reason). */\n` +
    `export const CLOSE_REASONS: Readonly<Record<number, string>> = {\n${reasons}\n};\n\n` +
    types
  );
}

function rulesTs(contract) {
  const list = (xs) => `[${xs.map((x) => JSON.stringify(x)).join(", ")}]`;
  const roles = contract.roles;
  const table = roles.map((r) => `  ${r}: ${list(contract.role_actions[r])},`).join("\n");
  const palette = contract.palette.map((c) => `  ${JSON.stringify(c)},`).join("\n");
  return (
    banner("webapp/projects/contract.json", "python -m webapp.projects.contract --write") +
    `\nexport type Role = ${roles.map((r) => JSON.stringify(r)).join(" | ")};\n` +
    `export type Action = ${contract.actions.map((a) => JSON.stringify(a)).join(" | ")};\n\n` +
    `/** Every role, most powerful first. */\n` +
    `export const ROLES: readonly Role[] = ${list(roles)};\n\n` +
    `/** What each role may do (webapp.projects.models.ROLE_ACTIONS). */\n` +
    `export const ROLE_ACTIONS: Readonly<Record<Role, readonly Action[]>> = {\n${table}\n};\n\n` +
    `/** New objects' and labels' colours, in order (webapp.projects.models.PALETTE). */\n` +
    `export const PALETTE: readonly string[] = [\n${palette}\n];\n`
  );
}

export async function generate() {
  const schema = JSON.parse(readFileSync(SCHEMA, "utf8"));
  const contract = JSON.parse(readFileSync(CONTRACT, "utf8"));
  return [
    [MESSAGES_TS, await messagesTs(schema)],
    [RULES_TS, rulesTs(contract)],
  ];
}

const files = await generate();
if (process.argv.includes("--check")) {
  const stale = files.filter(([path, text]) => {
    try {
      return readFileSync(path, "utf8") !== text;
    } catch {
      return true;
    }
  });
  for (const [path] of stale) console.error(`stale: ${path} (run npm run gen:protocol)`);
  process.exit(stale.length ? 1 : 0);
}
for (const [path, text] of files) {
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
