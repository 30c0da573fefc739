// Keeps the TS protocol in step with the server's pydantic models via their JSON Schema.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CLIENT_TYPES, PROTOCOL_VERSION, SCHEMA_SPEC, SERVER_TYPES } from "./messages";

const SCHEMA_PATH = resolve(__dirname, "../../../webapp/realtime/protocol.schema.json");

interface JsonModel {
  properties?: Record<string, { const?: string; enum?: string[]; default?: string }>;
  required?: string[];
}
const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as {
  protocol: number;
  client: { $defs: Record<string, JsonModel>; oneOf: { $ref: string }[] };
  server: { $defs: Record<string, JsonModel>; oneOf: { $ref: string }[] };
};

function typesOf(side: "client" | "server"): string[] {
  const out: string[] = [];
  for (const ref of schema[side].oneOf) {
    const def = schema[side].$defs[ref.$ref.split("/").pop()!];
    const t = def.properties?.type;
    if (t?.const) out.push(t.const);
    else if (t?.enum) out.push(...t.enum);
  }
  return out.sort();
}

describe("TS protocol matches webapp/realtime/protocol.schema.json", () => {
  it("speaks the server's protocol version", () => {
    expect(schema.protocol).toBe(PROTOCOL_VERSION);
  });

  for (const side of ["client", "server"] as const) {
    it(`knows every ${side} model of the schema and no others`, () => {
      expect(Object.keys(SCHEMA_SPEC[side]).sort()).toEqual(Object.keys(schema[side].$defs).sort());
    });

    for (const [name, def] of Object.entries(schema[side].$defs)) {
      it(`${side} ${name} has the schema's fields and required fields`, () => {
        const mine = SCHEMA_SPEC[side][name];
        expect(mine, `${name} missing from SCHEMA_SPEC.${side}`).toBeDefined();
        expect([...mine.fields].sort()).toEqual(Object.keys(def.properties ?? {}).sort());
        const required = (def.required ?? []).filter((f) => f !== "type");
        expect([...mine.required].sort()).toEqual(required.sort());
      });
    }
  }

  it("lists the same message types as the schema", () => {
    expect([...CLIENT_TYPES].sort()).toEqual(typesOf("client"));
    expect([...SERVER_TYPES].sort()).toEqual(typesOf("server"));
  });
});
