import { Help, type Command, type Option } from "commander";
import { parameterSets } from "../engine/parameters.js";
import { listIds } from "../registry.js";

/**
 * The choices of options whose values are data (software sets in models/params, stacks in
 * models/stacks), listed in their help from the data when help is shown: nothing is read for
 * a command that runs.
 */
const CHOICES: Readonly<Record<string, () => string>> = {
  "--software": () => parameterSets().map((s) => `${s.software.id} (${s.hardware.join(", ")}${s.software.default ? ", default" : ""})`).join("; "),
  "--vs-software": () => parameterSets().map((s) => s.software.id).join(", "),
  "--stack": () => `${listIds("stacks").join(", ")}, or a file`,
  "--vs-stack": () => `${listIds("stacks").join(", ")}, or a file`,
};

const base = new Help();

/** Makes `cmd`'s help name the choices of its data-valued options; returns `cmd`. */
export function choicesHelp(cmd: Command): Command {
  return cmd.configureHelp({
    optionDescription: (o: Option) => {
      const text = base.optionDescription(o);
      const list = o.long !== undefined ? CHOICES[o.long] : undefined;
      return list ? `${text} (choices: ${list()})` : text;
    },
  });
}
