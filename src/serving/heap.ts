/**
 * A binary min-heap of items by a numeric key, ties broken by insertion order (so a
 * simulation's events happen in the same order on every run).
 */
export class Heap<T> {
  private keys: number[] = [];
  private order: number[] = [];
  private items: T[] = [];
  private stamp = 0;

  get size(): number {
    return this.items.length;
  }

  peekKey(): number {
    return this.keys[0]!;
  }

  peek(): T {
    return this.items[0]!;
  }

  push(key: number, item: T): void {
    let i = this.items.length;
    this.keys.push(key);
    this.order.push(this.stamp++);
    this.items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): T {
    const top = this.items[0]!;
    const last = this.items.length - 1;
    this.swap(0, last);
    this.keys.pop();
    this.order.pop();
    this.items.pop();
    let i = 0;
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka < kb || (ka === kb && this.order[a]! < this.order[b]!);
  }

  private swap(a: number, b: number): void {
    const k = this.keys[a]!; this.keys[a] = this.keys[b]!; this.keys[b] = k;
    const o = this.order[a]!; this.order[a] = this.order[b]!; this.order[b] = o;
    const it = this.items[a]!; this.items[a] = this.items[b]!; this.items[b] = it;
  }
}

/** A first-in first-out queue with O(1) push, shift and unshift (a ring buffer that grows). */
export class Deque<T> {
  private buf: (T | undefined)[] = new Array(16);
  private head = 0;
  length = 0;

  push(x: T): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[(this.head + this.length) % this.buf.length] = x;
    this.length++;
  }

  unshift(x: T): void {
    if (this.length === this.buf.length) this.grow();
    this.head = (this.head - 1 + this.buf.length) % this.buf.length;
    this.buf[this.head] = x;
    this.length++;
  }

  peek(): T | undefined {
    return this.length === 0 ? undefined : this.buf[this.head];
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const x = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.length--;
    return x;
  }

  private grow(): void {
    const n: (T | undefined)[] = new Array(this.buf.length * 2);
    for (let i = 0; i < this.length; i++) n[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = n;
    this.head = 0;
  }
}
