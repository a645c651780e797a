import type { Command } from "commander";
import { Argument } from "commander";

export function registerSchema(program: Command, out: (s: string) => void): void {
  program
    .command("schema")
    .description("print the JSON Schema of scenario files (or of hardware/model files) for editors")
    .addArgument(new Argument("[what]", "scenario | hardware | model").choices(["scenario", "hardware", "model"]).default("scenario"))
    .action(async (what: "scenario" | "hardware" | "model") => {
      const { jsonSchemaFor } = await import("../scenario/schema.js");
      out(JSON.stringify(jsonSchemaFor(what), null, 2));
    });
}
