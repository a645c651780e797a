import { loadHardware } from "../hardware/load.js";
import { loadModel } from "../model/load.js";
import { listIds } from "../registry.js";
import { formatParams, formatSi } from "../units/format.js";
import { renderTable } from "./table.js";

export function listHardware(json: boolean): string {
  const items = listIds("hardware").map((id) => loadHardware(id));
  if (json) {
    return JSON.stringify(items.map((h) => ({
      id: h.id, name: h.name, kind: h.kind,
      memoryBytes: h.memory.capacity.value, memoryKind: h.memory.kind,
      memoryBandwidthBytesPerSecond: h.memory.bandwidth.value,
      bf16FlopPerSecond: h.compute.bf16.value,
      scaleUpDevices: h.interconnect.scaleUp?.devices.value ?? 1,
      scaleOutBandwidthBytesPerSecond: h.interconnect.scaleOut.bandwidth.value,
      file: h.file,
    })), null, 2);
  }
  return renderTable(
    ["id", "kind", "memory", "mem. bandwidth", "bf16 dense", "links", "name"],
    items.map((h) => [
      h.id, h.kind,
      `${formatSi(h.memory.capacity.value, "B")} ${h.memory.kind.toUpperCase()}`,
      formatSi(h.memory.bandwidth.value, "B/s"),
      formatSi(h.compute.bf16.value, "FLOP/s"),
      h.interconnect.scaleUp ? `${h.interconnect.scaleUp.devices.value} x ${formatSi(h.interconnect.scaleUp.bandwidth.value, "B/s")}` : formatSi(h.interconnect.scaleOut.bandwidth.value, "B/s"),
      h.name,
    ]),
    [false, false, true, true, true, true, false],
  );
}

export function listModels(json: boolean): string {
  const items = listIds("llm").map((id) => loadModel(id));
  if (json) {
    return JSON.stringify(items.map((m) => ({
      id: m.id, name: m.name,
      totalParams: m.params.totalParams, activeParams: m.params.activeParams,
      layers: m.arch.layers, attention: m.arch.attention.kind,
      experts: m.arch.groups.find((g) => g.ffn.kind === "moe")?.ffn ?? null,
      nativeFormat: m.arch.nativeFormat, maxContext: m.arch.maxContext,
      assumption: m.assumption ?? null, file: m.file,
    })), null, 2);
  }
  return renderTable(
    ["id", "total", "active", "layers", "attention", "experts", "weights", "context", "name"],
    items.map((m) => {
      const moe = m.arch.groups.map((g) => g.ffn).find((f) => f.kind === "moe");
      const fmt = m.arch.nativeFormat;
      return [
        m.id, formatParams(m.params.totalParams), formatParams(m.params.activeParams), String(m.arch.layers),
        m.arch.attention.kind === "mla" ? "MLA" : `GQA ${m.arch.attention.heads}/${m.arch.attention.kvHeads}`,
        moe && moe.kind === "moe" ? `${moe.activeExperts} of ${moe.experts}` : "dense",
        fmt.default === fmt.experts ? fmt.default : `${fmt.default}, experts ${fmt.experts}`,
        m.arch.maxContext ? `${Math.round(m.arch.maxContext / 1024)}k` : "?",
        m.name + (m.assumption ? " [assumed]" : ""),
      ];
    }),
    [false, true, true, true, false, false, false, true, false],
  );
}
