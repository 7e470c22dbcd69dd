/**
 * Keeps failing attempts in hand until opened. An outage test opens it once the
 * producer connection is lost, so some retries are sure to be written during the
 * outage (and fail): without it, a fault that takes long to come on (rabbitmqctl on
 * a loaded machine) may find the work done, with nothing in hand to give back.
 */
export class HeldAcrossTheCut {
  /** The messages (by id) whose failing attempt waited for the cut. */
  readonly ids = new Set<string>();
  private armed = false;
  private release: () => void = () => {};
  private readonly released = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  constructor(private readonly size: number) {}

  /** From now on, failing attempts wait, up to `size` of them. */
  arm(): void {
    this.armed = true;
  }

  get full(): boolean {
    return this.ids.size >= this.size;
  }

  /** Waits until `open()` if armed and not full; at once otherwise. */
  async keep(id: string): Promise<void> {
    if (!this.armed || this.full) return;
    this.ids.add(id);
    await this.released;
  }

  /** Lets every held attempt go on (to fail), and holds no more. */
  open(): void {
    this.armed = false;
    this.release();
  }
}
