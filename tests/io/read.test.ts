import { execFileSync } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatIssue, MAX_QUOTE, show } from "../../src/errors.js";
import { loadHardware } from "../../src/hardware/load.js";
import { MAX_INPUT_BYTES, MAX_NESTING, MAX_YAML_ITEMS, parseData, readData, readText } from "../../src/io/read.js";
import { cli, issuesOf, tempFile } from "../helpers.js";

describe("inputs are read bounded", () => {
  it.each([
    ["/dev/zero", "not a regular file but a character device"],
    ["/dev/urandom", "not a regular file but a character device"],
    ["/dev/null", "not a regular file but a character device"],
  ])("refuses %s without reading it", (file, problem) => {
    // Read, /dev/zero would fill memory and this test would never end.
    expect(issuesOf(() => readText(file))).toEqual([{ file, path: "", problem, expected: "a YAML or JSON file" }]);
  });

  it("refuses a named pipe without waiting for a writer", () => {
    const fifo = join(mkdtempSync(join(tmpdir(), "wafersim-test-")), "pipe.yaml");
    execFileSync("mkfifo", [fifo]);
    expect(issuesOf(() => readData(fifo))[0]?.problem).toBe("not a regular file but a named pipe (FIFO)");
  });

  it("refuses a file over the limit before parsing it, naming the limit", () => {
    const f = tempFile("big.yaml", `a: ${"x".repeat(MAX_INPUT_BYTES)}\n`);
    const [issue] = issuesOf(() => readData(f));
    expect(issue).toMatchObject({ file: f, problem: "too large", got: `${(MAX_INPUT_BYTES + 4).toLocaleString("en-US")} bytes` });
    expect(issue?.expected).toContain(MAX_INPUT_BYTES.toLocaleString("en-US"));
    // exactly at the limit is read
    expect(readText(tempFile("edge.yaml", "x".repeat(MAX_INPUT_BYTES)))).toHaveLength(MAX_INPUT_BYTES);
  });

  it("follows a symlink to a regular file, and refuses one to a device", () => {
    const dir = mkdtempSync(join(tmpdir(), "wafersim-test-"));
    writeFileSync(join(dir, "real.yaml"), "a: 1\n");
    symlinkSync(join(dir, "real.yaml"), join(dir, "link.yaml"));
    symlinkSync("/dev/zero", join(dir, "zero.yaml"));
    expect(readData(join(dir, "link.yaml"))).toEqual({ a: 1 });
    expect(issuesOf(() => readData(join(dir, "zero.yaml")))[0]?.problem).toBe("not a regular file but a character device");
  });

  it("refuses binary content and text that is not UTF-8", () => {
    expect(issuesOf(() => readText(tempFile("bin.yaml", "a: 1\n\0\0")))[0]?.problem).toBe("not a text file (it holds NUL bytes)");
    const latin1 = tempFile("l1.yaml", "");
    writeFileSync(latin1, Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(issuesOf(() => readText(latin1))[0]?.problem).toBe("not UTF-8 text");
  });

  it("refuses YAML with more items than the limit before the (slow) parser sees it", () => {
    const f = tempFile("list.yaml", `a:\n${"- 1\n".repeat(MAX_YAML_ITEMS)}`);
    expect(issuesOf(() => readData(f))[0]?.problem).toBe("too many lines and items for a description");
    // one below the limit parses: "a:" line + (MAX - 1) items = MAX newlines
    expect((readData(tempFile("ok.yaml", `a:\n${"- 1\n".repeat(MAX_YAML_ITEMS - 1)}`)) as { a: unknown[] }).a).toHaveLength(MAX_YAML_ITEMS - 1);
  });

  it("finds duplicate keys in one pass (the parser's own check compares every pair: 6.9 s for 21,000 keys)", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`);
    expect(issuesOf(() => parseData("d.yaml", [...keys, "k7: again"].join("\n")))).toEqual([{ file: "d.yaml", path: "k7", problem: "duplicate key", expected: "each key once in its mapping" }]);
    expect(issuesOf(() => parseData("n.yaml", "a:\n  b: 1\n  b: 2\n"))[0]).toMatchObject({ path: "b", problem: "duplicate key" });
  });

  it("refuses alias expansion that multiplies the data, as bad input", () => {
    const text = `a: &a [1, 2, 3]\n${Array.from({ length: 200 }, (_, i) => `k${i}: *a`).join("\n")}\n`;
    expect(issuesOf(() => parseData("alias.yaml", text))[0]?.problem).toMatch(/^broken YAML: .*alias/i);
  });

  it.each([
    ["JSON objects", "deep.json", `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`],
    ["JSON lists in an object", "deep.json", `{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`],
    ["YAML flow lists", "deep.yaml", `a: ${"[".repeat(40)}${"]".repeat(40)}`],
  ])("refuses nesting deeper than the limit (%s), never a stack overflow", (_what, name, text) => {
    const [issue] = issuesOf(() => parseData(name, text));
    expect(issue?.problem).toBe("nested too deeply");
    expect(issue?.expected).toContain(String(MAX_NESTING));
  });
});

describe("messages are bounded", () => {
  it("quotes at most MAX_QUOTE characters of a value, a field path or a file name", () => {
    const huge = "x".repeat(1_000_000);
    expect(show(huge).length).toBeLessThanOrEqual(MAX_QUOTE);
    const line = formatIssue({ file: "f.yaml", path: huge, problem: "unknown field", got: huge, expected: "one of a, b" });
    expect(line.length).toBeLessThan(4 * MAX_QUOTE);
    expect(line).toMatch(/^f\.yaml: x+\.\.\.: unknown field, got x+\.\.\., expected one of a, b$/);
  });

  it("keeps every problem on one line, whatever the input holds", () => {
    const line = formatIssue({ file: "f.yaml", path: "a\nb", problem: "p", got: "line 1\nline 2\r\u001b[31mred" });
    expect(line).not.toMatch(/[\n\r\u001b]/);
  });

  it("--model /etc/passwd quotes a few characters, not the file", () => {
    const r = cli(["predict", "--model", "/etc/passwd", "--hardware", "cerebras-wse3"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").filter((l) => l !== "")).toHaveLength(2); // header and one problem
    expect(r.stderr.length).toBeLessThan(400);
  });

  it("a 3 MB value in a description costs a short message (it was 52 MB of stderr for 50 MB)", () => {
    const f = tempFile("long.yaml", `${"x".repeat(1_500_000)}: 1\n`);
    const r = cli(["predict", "--model", f, "--hardware", "cerebras-wse3"]);
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeLessThan(2000);
  });

  it("a field path from a file is cut too (hardware file with a 100,000-character key)", () => {
    const f = tempFile("hw.yaml", `${"k".repeat(100_000)}: 1\n`);
    const issues = issuesOf(() => loadHardware(f));
    for (const i of issues) expect(formatIssue(i).length).toBeLessThan(1000);
  });
});
