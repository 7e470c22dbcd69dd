import { GroupCallbacks, type Logger, MemoryRateLimiterBackend, MemoryResultBackend, Results } from "@troupe/core";
import { TestBroker, type TestBrokerOptions } from "@troupe/core/testing";

/** A TestBroker that records its log instead of printing it, with results and group callbacks on its virtual clock. */
export function testBroker(options: TestBrokerOptions = {}) {
  const logs: string[] = [];
  const logger: Logger = {
    debug: (m) => void logs.push(`debug ${m}`),
    info: (m) => void logs.push(`info ${m}`),
    warn: (m) => void logs.push(`warn ${m}`),
    error: (m) => void logs.push(`error ${m}`),
  };
  const broker = new TestBroker({ logger, ...options });
  const results = new MemoryResultBackend({ clock: broker.clock });
  const limits = new MemoryRateLimiterBackend({ clock: broker.clock });
  broker.addMiddleware(new Results({ backend: results }));
  broker.addMiddleware(new GroupCallbacks({ backend: limits }));
  return { broker, results, limits, logs };
}

/** Real milliseconds since `start` (performance.now()), rounded for printing. */
export const since = (start: number) => Math.round((performance.now() - start) * 10) / 10;
