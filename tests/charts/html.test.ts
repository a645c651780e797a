import { describe, expect, it } from "vitest";
import { buildHtml } from "../../src/charts/html.js";
import { CHART_SETS, engineSpecs } from "../../src/charts/sets.js";

describe("the HTML report", () => {
  it("prints each source line once: as text under the first chart that uses it, not drawn in the canvas too", () => {
    const specs = engineSpecs(CHART_SETS["codex-spark"]!, "test");
    const html = buildHtml(specs, { title: "t" });
    const data = /<script type="application\/json" id="wafersim-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const page = html.replace(/<script[\s\S]*?<\/script>/g, "");
    const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
    for (const source of new Set(specs.map((s) => s.source))) {
      expect(page.split(esc(source)).length - 1, source).toBe(1);
      expect(data).not.toContain(JSON.stringify(source).slice(1, 40));
    }
    // charts sharing a source point back to the first
    const shared = specs.filter((s) => s.source === specs[1]!.source);
    if (shared.length > 1) expect(page).toContain(`Source: as for <a href="#${shared[0]!.id}">`);
    // the canvas draws no source line
    for (const c of JSON.parse(data) as { config: { options: { plugins: { wafersimSource: { lines: string[] } } } } }[]) expect(c.config.options.plugins.wafersimSource.lines).toEqual([]);
  });
});
