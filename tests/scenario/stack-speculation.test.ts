import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../helpers.js";

// `speculation: stack` in a scenario (and --stack-speculation on predict): the speculation the
// software set declares, resolved per point; a set that declares none gives the point a note.
const d = mkdtempSync(join(tmpdir(), "wafersim-stackspec-"));
const scenario = join(d, "spec.yaml");
writeFileSync(scenario, "model: llama-3.1-70b\nchips: 8\nsweep:\n  hardware: [cerebras-wse3, nvidia-h100-sxm]\n  speculation: [none, stack]\n");

describe("speculation: stack", () => {
  it("a sweep point speculates as predict --stack-speculation does; a set without a declaration says so in the note", () => {
    const r = cli(["sweep", scenario, "--format", "json", "--columns", "decode.tokensPerSecondPerUser"]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout).points as Record<string, string | number | null>[];
    expect(rows.map((x) => [x["hardware"], x["speculation"]])).toEqual([["cerebras-wse3", "none"], ["cerebras-wse3", "stack"], ["nvidia-h100-sxm", "none"], ["nvidia-h100-sxm", "stack"]]);
    const direct = (args: string[]) => JSON.parse(cli(["predict", "--model", "llama-3.1-70b", "--chips", "8", "--json", ...args]).stdout).decode.tokensPerSecondPerUser as number;
    expect(rows[0]!["decode.tokensPerSecondPerUser"]).toBe(direct(["--hardware", "cerebras-wse3"]));
    expect(rows[1]!["decode.tokensPerSecondPerUser"]).toBe(direct(["--hardware", "cerebras-wse3", "--stack-speculation"]));
    // Cerebras's October 2024 release speculates: faster than without
    expect(rows[1]!["decode.tokensPerSecondPerUser"] as number).toBeGreaterThan(rows[0]!["decode.tokensPerSecondPerUser"] as number);
    expect(rows[3]!["decode.tokensPerSecondPerUser"]).toBeNull();
    expect(rows[3]!["note"]).toBe("the software set tensorrt-llm declares no speculative decoding");
  });

  it("is a value the key accepts; anything else is refused with the choices", () => {
    const bad = join(d, "bad.yaml");
    writeFileSync(bad, "model: llama-3.1-8b\nhardware: cerebras-wse3\nspeculation: vendor\n");
    const r = cli(["sweep", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: speculation: not a speculation, got "vendor", expected {draftTokens, acceptance}, none, or stack`);
    expect(r.stdout).toBe("");
  });
});
