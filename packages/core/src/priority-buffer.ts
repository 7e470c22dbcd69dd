/**
 * Fetched messages waiting for a free slot: lower priority number first, FIFO
 * within a priority. One FIFO per distinct priority, so the common case (every
 * actor at priority 0) is a plain queue.
 */
export class PriorityBuffer<T> {
  private readonly lanes = new Map<number, T[]>();
  private readonly heads = new Map<number, number>();
  private priorities: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(priority: number, item: T): void {
    let lane = this.lanes.get(priority);
    if (!lane) {
      lane = [];
      this.lanes.set(priority, lane);
      this.heads.set(priority, 0);
      this.priorities = [...this.lanes.keys()].sort((a, b) => a - b);
    }
    lane.push(item);
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    for (const priority of this.priorities) {
      const lane = this.lanes.get(priority) as T[];
      let head = this.heads.get(priority) as number;
      if (head >= lane.length) continue;
      const item = lane[head] as T;
      lane[head] = undefined as T;
      head++;
      if (head === lane.length) {
        lane.length = 0;
        head = 0;
      } else if (head > 1024 && head * 2 > lane.length) {
        lane.splice(0, head);
        head = 0;
      }
      this.heads.set(priority, head);
      this.count--;
      return item;
    }
    return undefined;
  }

  /** Removes and returns everything, in order. */
  drain(): T[] {
    const all: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) all.push(item);
    return all;
  }
}
