/** A min-heap of items by due time, for delayed messages held until their eta. */
export class DelaySchedule<T> {
  private readonly heap: { due: number; item: T }[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** The earliest due time, or undefined when empty. */
  peekDue(): number | undefined {
    return this.heap[0]?.due;
  }

  push(due: number, item: T): void {
    const heap = this.heap;
    heap.push({ due, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].due <= heap[i].due) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  /** Removes and returns every item due at or before `now`. */
  popDue(now: number): T[] {
    const due: T[] = [];
    while (this.heap.length && this.heap[0].due <= now) due.push(this.pop());
    return due;
  }

  drain(): T[] {
    const all: T[] = [];
    while (this.heap.length) all.push(this.pop());
    return all;
  }

  private pop(): T {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop() as { due: number; item: T };
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l].due < heap[m].due) m = l;
        if (r < heap.length && heap[r].due < heap[m].due) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top.item;
  }
}
