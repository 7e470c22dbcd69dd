import type { RedisClient } from "./redis-connection.js";

/**
 * Redis's clock as seen from this process, read with `TIME` once per connection,
 * so a script can be given a deadline in Redis's own time. The local side is
 * `performance.now()`, which no clock adjustment moves.
 */
export class RedisClock {
  /** Redis ms minus local ms, and how far that may be off (half the round trip). */
  private reading: { offset: number; error: number } | undefined;
  private pending: Promise<void> | undefined;
  private generation = 0;

  constructor(private readonly client: RedisClient) {}

  get known(): boolean {
    return this.reading !== undefined;
  }

  /** Reads the clock (once; later calls share the reading in progress). */
  read(): Promise<void> {
    this.pending ??= this.measure();
    return this.pending;
  }

  /** Forgets the reading: a new connection may lead to another server (a Sentinel failover). */
  forget(): void {
    this.generation++;
    this.reading = undefined;
    this.pending = undefined;
  }

  /**
   * The latest Redis time, in ms, at which a command may still take effect when
   * its caller gives up at local time `giveUpAt`: never after that moment.
   */
  deadline(giveUpAt: number): number {
    const reading = this.reading;
    if (!reading) throw new Error("the Redis clock was not read");
    return Math.floor(giveUpAt + reading.offset - reading.error) - 1;
  }

  private async measure(): Promise<void> {
    const generation = this.generation;
    try {
      const before = performance.now();
      const [seconds, micros] = (await this.client.time()) as (string | number)[];
      const after = performance.now();
      // A reading from a connection that has since closed says nothing about the next one.
      if (generation !== this.generation) return;
      const redisNow = Number(seconds) * 1000 + Number(micros) / 1000;
      this.reading = { offset: redisNow - (before + after) / 2, error: (after - before) / 2 };
    } catch (error) {
      if (generation === this.generation) this.pending = undefined;
      throw error;
    }
  }
}
