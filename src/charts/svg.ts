/**
 * A canvas 2D context that writes SVG, for Chart.js: text stays text (<text> elements, so a
 * chart's words can be selected and searched) and the document is exactly the stated pixel
 * size. canvas's own SVG surface (cairo) writes every glyph as an outline path and sizes the
 * document in points (1200pt = 1600 px), which is why wafersim draws SVG through this instead.
 * Text is measured with canvas (the same fonts as the PNG), so both images lay out alike.
 *
 * Covers what Chart.js 4 and our plugins draw with: paths (lines, rectangles, arcs), fills,
 * strokes with dashes, clipping, transforms (translate, rotate, scale), text with alignment
 * and baselines, and global alpha. Anything else is a programming error, not a silent gap.
 */
import { createCanvas } from "canvas";

type Measurer = ReturnType<ReturnType<typeof createCanvas>["getContext"]>;
type Metrics = ReturnType<Measurer["measureText"]>;
type Baseline = Measurer["textBaseline"];

type Matrix = readonly [number, number, number, number, number, number];

interface State {
  transform: Matrix;
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  lineCap: string;
  lineJoin: string;
  miterLimit: number;
  dash: number[];
  lineDashOffset: number;
  globalAlpha: number;
  globalCompositeOperation: string;
  font: string;
  textAlign: string;
  textBaseline: string;
  clip: string | null;
}

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[2] * n[1], m[1] * n[0] + m[3] * n[1],
    m[0] * n[2] + m[2] * n[3], m[1] * n[2] + m[3] * n[3],
    m[0] * n[4] + m[2] * n[5] + m[4], m[1] * n[4] + m[3] * n[5] + m[5],
  ];
}

const num = (v: number) => String(Math.round(v * 1000) / 1000);

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A CSS colour as an SVG paint and opacity ("rgba(0,0,0,0.1)" -> rgb(0,0,0) at 0.1); SVG 1.1 viewers lack rgba(). */
export function paint(colour: string): { readonly colour: string; readonly opacity: number } {
  const c = colour.trim();
  if (c === "transparent") return { colour: "none", opacity: 0 };
  let m = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/i.exec(c);
  if (m) return { colour: `rgb(${m[1]},${m[2]},${m[3]})`, opacity: m[4] === undefined ? 1 : Number(m[4]) };
  m = /^#([0-9a-f]{8})$/i.exec(c);
  if (m) return { colour: `#${m[1]!.slice(0, 6)}`, opacity: parseInt(m[1]!.slice(6), 16) / 255 };
  return { colour: c, opacity: 1 };
}

/** The parts of a CSS font shorthand as Chart.js writes it: "[style] [weight] <size>px <family>". */
export function parseFont(font: string): { readonly style: string; readonly weight: string; readonly size: number; readonly family: string } {
  const m = /^\s*(?:(italic|oblique|normal)\s+)?(?:(small-caps|normal)\s+)?(?:(bold|bolder|lighter|normal|[1-9]00)\s+)?([\d.]+)px(?:\/\S+)?\s+(.+?)\s*$/i.exec(font);
  if (!m) return { style: "normal", weight: "normal", size: 10, family: "sans-serif" };
  return { style: m[1] ?? "normal", weight: m[3] ?? "normal", size: Number(m[4]), family: m[5]! };
}

export class SvgContext {
  readonly canvas: { width: number; height: number; style: Record<string, string>; getContext: () => SvgContext };
  private state: State = {
    transform: IDENTITY, fillStyle: "#000000", strokeStyle: "#000000", lineWidth: 1, lineCap: "butt", lineJoin: "miter", miterLimit: 10,
    dash: [], lineDashOffset: 0, globalAlpha: 1, globalCompositeOperation: "source-over", font: "10px sans-serif", textAlign: "start", textBaseline: "alphabetic", clip: null,
  };
  private readonly stack: State[] = [];
  private path: string[] = [];
  private current: [number, number] | undefined;
  private start: [number, number] | undefined;
  private body: string[] = [];
  private defs: string[] = [];
  private clips = 0;
  private readonly measurer = createCanvas(1, 1).getContext("2d");

  constructor(readonly width: number, readonly height: number) {
    this.canvas = { width, height, style: {}, getContext: () => this };
  }

  // ---- state ----
  save(): void { this.stack.push({ ...this.state, dash: [...this.state.dash] }); }
  restore(): void { const s = this.stack.pop(); if (s) this.state = s; }
  get fillStyle(): string { return this.state.fillStyle; }
  set fillStyle(v: string) { this.state.fillStyle = String(v); }
  get strokeStyle(): string { return this.state.strokeStyle; }
  set strokeStyle(v: string) { this.state.strokeStyle = String(v); }
  get lineWidth(): number { return this.state.lineWidth; }
  set lineWidth(v: number) { if (Number.isFinite(v) && v > 0) this.state.lineWidth = v; }
  get lineCap(): string { return this.state.lineCap; }
  set lineCap(v: string) { this.state.lineCap = v; }
  get lineJoin(): string { return this.state.lineJoin; }
  set lineJoin(v: string) { this.state.lineJoin = v; }
  get miterLimit(): number { return this.state.miterLimit; }
  set miterLimit(v: number) { this.state.miterLimit = v; }
  get lineDashOffset(): number { return this.state.lineDashOffset; }
  set lineDashOffset(v: number) { this.state.lineDashOffset = v; }
  get globalAlpha(): number { return this.state.globalAlpha; }
  set globalAlpha(v: number) { if (v >= 0 && v <= 1) this.state.globalAlpha = v; }
  get globalCompositeOperation(): string { return this.state.globalCompositeOperation; }
  set globalCompositeOperation(v: string) { this.state.globalCompositeOperation = v; }
  get font(): string { return this.state.font; }
  set font(v: string) { this.state.font = v; }
  get textAlign(): string { return this.state.textAlign; }
  set textAlign(v: string) { this.state.textAlign = v; }
  get textBaseline(): string { return this.state.textBaseline; }
  set textBaseline(v: string) { this.state.textBaseline = v; }
  setLineDash(d: readonly number[]): void { this.state.dash = d.filter((x) => Number.isFinite(x) && x >= 0); }
  getLineDash(): number[] { return [...this.state.dash]; }

  // ---- transforms ----
  setTransform(a: number | Matrix | { a: number; b: number; c: number; d: number; e: number; f: number } = 1, b = 0, c = 0, d = 1, e = 0, f = 0): void {
    if (typeof a === "object") this.state.transform = Array.isArray(a) ? (a as Matrix) : [(a as { a: number }).a, (a as { b: number }).b, (a as { c: number }).c, (a as { d: number }).d, (a as { e: number }).e, (a as { f: number }).f];
    else this.state.transform = [a, b, c, d, e, f];
  }
  resetTransform(): void { this.state.transform = IDENTITY; }
  transform(a: number, b: number, c: number, d: number, e: number, f: number): void { this.state.transform = multiply(this.state.transform, [a, b, c, d, e, f]); }
  translate(x: number, y: number): void { this.transform(1, 0, 0, 1, x, y); }
  scale(x: number, y: number): void { this.transform(x, 0, 0, y, 0, 0); }
  rotate(r: number): void { this.transform(Math.cos(r), Math.sin(r), -Math.sin(r), Math.cos(r), 0, 0); }
  getTransform(): { a: number; b: number; c: number; d: number; e: number; f: number } {
    const [a, b, c, d, e, f] = this.state.transform;
    return { a, b, c, d, e, f };
  }

  private at(x: number, y: number): [number, number] {
    const m = this.state.transform;
    return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
  }

  /** The transform's length scale (a rotation and uniform scale in everything Chart.js draws). */
  private get unit(): number {
    const m = this.state.transform;
    return Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2]));
  }

  // ---- paths, in device coordinates ----
  beginPath(): void { this.path = []; this.current = undefined; this.start = undefined; }
  moveTo(x: number, y: number): void {
    const p = this.at(x, y);
    this.path.push(`M${num(p[0])} ${num(p[1])}`);
    this.current = p;
    this.start = p;
  }
  lineTo(x: number, y: number): void {
    if (!this.current) { this.moveTo(x, y); return; }
    const p = this.at(x, y);
    this.path.push(`L${num(p[0])} ${num(p[1])}`);
    this.current = p;
  }
  closePath(): void {
    if (!this.current) return;
    this.path.push("Z");
    this.current = this.start;
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.moveTo(x, y);
    this.lineTo(x + w, y);
    this.lineTo(x + w, y + h);
    this.lineTo(x, y + h);
    this.closePath();
  }
  quadraticCurveTo(cx: number, cy: number, x: number, y: number): void {
    if (!this.current) this.moveTo(cx, cy);
    const c = this.at(cx, cy);
    const p = this.at(x, y);
    this.path.push(`Q${num(c[0])} ${num(c[1])} ${num(p[0])} ${num(p[1])}`);
    this.current = p;
  }
  bezierCurveTo(c1x: number, c1y: number, c2x: number, c2y: number, x: number, y: number): void {
    if (!this.current) this.moveTo(c1x, c1y);
    const c1 = this.at(c1x, c1y);
    const c2 = this.at(c2x, c2y);
    const p = this.at(x, y);
    this.path.push(`C${num(c1[0])} ${num(c1[1])} ${num(c2[0])} ${num(c2[1])} ${num(p[0])} ${num(p[1])}`);
    this.current = p;
  }
  arc(x: number, y: number, r: number, a0: number, a1: number, ccw = false): void {
    this.ellipse(x, y, r, r, 0, a0, a1, ccw);
  }
  /** Arcs and ellipses as short line segments: exact enough at chart scale, and right under any transform. */
  ellipse(x: number, y: number, rx: number, ry: number, rotation: number, a0: number, a1: number, ccw = false): void {
    const full = 2 * Math.PI;
    let sweep = ccw ? a0 - a1 : a1 - a0;
    if (sweep >= full || sweep <= -full) sweep = full;
    else sweep = ((sweep % full) + full) % full;
    const n = Math.max(8, Math.ceil((sweep / full) * 64));
    const dir = ccw ? -1 : 1;
    const pt = (a: number): [number, number] => {
      const ex = rx * Math.cos(a);
      const ey = ry * Math.sin(a);
      return [x + ex * Math.cos(rotation) - ey * Math.sin(rotation), y + ex * Math.sin(rotation) + ey * Math.cos(rotation)];
    };
    for (let i = 0; i <= n; i++) {
      const [px, py] = pt(a0 + (dir * sweep * i) / n);
      this.lineTo(px, py);
    }
  }

  private pathData(): string {
    return this.path.join("");
  }

  private clipAttr(): string {
    return this.state.clip ? ` clip-path="url(#${this.state.clip})"` : "";
  }

  private fillAttrs(style: string): string {
    const p = paint(style);
    const o = p.opacity * this.state.globalAlpha;
    return `fill="${esc(p.colour)}"${o < 1 ? ` fill-opacity="${num(o)}"` : ""}`;
  }

  private strokeAttrs(): string {
    const p = paint(this.state.strokeStyle);
    const o = p.opacity * this.state.globalAlpha;
    const u = this.unit;
    const dash = this.state.dash.length > 0 ? ` stroke-dasharray="${this.state.dash.map((d) => num(d * u)).join(" ")}"${this.state.lineDashOffset ? ` stroke-dashoffset="${num(this.state.lineDashOffset * u)}"` : ""}` : "";
    return `fill="none" stroke="${esc(p.colour)}" stroke-width="${num(this.state.lineWidth * u)}"${o < 1 ? ` stroke-opacity="${num(o)}"` : ""}`
      + `${this.state.lineCap !== "butt" ? ` stroke-linecap="${this.state.lineCap}"` : ""}${this.state.lineJoin !== "miter" ? ` stroke-linejoin="${this.state.lineJoin}"` : ""}${dash}`;
  }

  fill(rule?: "nonzero" | "evenodd"): void {
    if (this.path.length === 0) return;
    this.body.push(`<path d="${this.pathData()}" ${this.fillAttrs(this.state.fillStyle)}${rule === "evenodd" ? ` fill-rule="evenodd"` : ""}${this.clipAttr()}/>`);
  }
  stroke(): void {
    if (this.path.length === 0) return;
    this.body.push(`<path d="${this.pathData()}" ${this.strokeAttrs()}${this.clipAttr()}/>`);
  }
  clip(): void {
    const id = `clip${++this.clips}`;
    this.defs.push(`<clipPath id="${id}"${this.clipAttr()}><path d="${this.pathData() || "M0 0"}"/></clipPath>`);
    this.state.clip = id;
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    const saved = [this.path, this.current, this.start] as const;
    this.beginPath();
    this.rect(x, y, w, h);
    this.fill();
    [this.path, this.current, this.start] = [saved[0], saved[1], saved[2]];
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    const saved = [this.path, this.current, this.start] as const;
    this.beginPath();
    this.rect(x, y, w, h);
    this.stroke();
    [this.path, this.current, this.start] = [saved[0], saved[1], saved[2]];
  }
  /** Chart.js clears the whole canvas before it draws: start the document again. */
  clearRect(x: number, y: number, w: number, h: number): void {
    const [x0, y0] = this.at(x, y);
    const [x1, y1] = this.at(x + w, y + h);
    if (Math.min(x0, x1) <= 0 && Math.min(y0, y1) <= 0 && Math.max(x0, x1) >= this.width && Math.max(y0, y1) >= this.height) {
      this.body = [];
    }
  }

  // ---- text ----
  measureText(text: string): Metrics {
    this.measurer.font = this.state.font;
    this.measurer.textBaseline = this.state.textBaseline as Baseline;
    return this.measurer.measureText(text);
  }

  private text(text: string, x: number, y: number, how: "fill" | "stroke"): void {
    const f = parseFont(this.state.font);
    // SVG places text on its alphabetic baseline: shift from the canvas baseline asked for
    this.measurer.font = this.state.font;
    this.measurer.textBaseline = this.state.textBaseline as Baseline;
    const shift = -(this.measurer.measureText(text) as Metrics & { alphabeticBaseline?: number }).alphabeticBaseline! || 0;
    const align = this.state.textAlign;
    const anchor = align === "center" ? "middle" : align === "right" || align === "end" ? "end" : "start";
    const m = this.state.transform;
    const transform = m === IDENTITY || (m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 1 && m[4] === 0 && m[5] === 0) ? "" : ` transform="matrix(${m.map(num).join(" ")})"`;
    const paintAttrs = how === "fill" ? this.fillAttrs(this.state.fillStyle) : `${this.strokeAttrs()} stroke-linejoin="round"`;
    const el = `<text x="${num(x)}" y="${num(y + shift)}"${transform} font-family="${esc(f.family)}" font-size="${num(f.size)}"${f.weight !== "normal" ? ` font-weight="${f.weight}"` : ""}${f.style !== "normal" ? ` font-style="${f.style}"` : ""}${anchor !== "start" ? ` text-anchor="${anchor}"` : ""} ${paintAttrs} xml:space="preserve">${esc(text)}</text>`;
    // clip paths are in page coordinates: a group without a transform carries the clip
    this.body.push(this.state.clip ? `<g${this.clipAttr()}>${el}</g>` : el);
  }
  fillText(text: string, x: number, y: number): void { this.text(String(text), x, y, "fill"); }
  strokeText(text: string, x: number, y: number): void { this.text(String(text), x, y, "stroke"); }

  /** The document: `width` x `height` pixels, a white page unless the chart paints its own. */
  toSvg(): string {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">\n`
      + `${this.defs.length > 0 ? `<defs>\n${this.defs.join("\n")}\n</defs>\n` : ""}${this.body.join("\n")}\n</svg>\n`;
  }
}
