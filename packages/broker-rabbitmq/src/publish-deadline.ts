/**
 * The deadline of one `publish` call: it passes once `timeout` ms go by without
 * progress (a channel opened, queues declared, a confirm, room in the write
 * buffer). A big batch that RabbitMQ keeps confirming may take longer than
 * `timeout`; a publish that hears nothing back for that long is stuck, as on a
 * black-holed link, where amqplib would wait for the heartbeat to fail (minutes).
 */
export class PublishDeadline {
  /** Set once the deadline passed: the publish must not write anything more. */
  expired = false;
  /** Set once a message of this call went to the socket: from then on, the outcome of a failure is uncertain. */
  written = false;
  /** Resolves when the deadline passes. */
  readonly passed: Promise<void>;
  private last = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly timeout: number) {
    this.passed = new Promise((resolve) => {
      const check = () => {
        const idle = Date.now() - this.last;
        if (idle < timeout) {
          this.timer = setTimeout(check, timeout - idle);
          return;
        }
        this.expired = true;
        resolve();
      };
      this.timer = setTimeout(check, timeout);
    });
  }

  /** Something moved: the deadline starts over. */
  progress(): void {
    this.last = Date.now();
  }

  /** The publish is over; the deadline no longer matters. */
  stop(): void {
    clearTimeout(this.timer);
  }
}
