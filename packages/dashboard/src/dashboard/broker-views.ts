import type { Broker } from "@troupe/core";
import { redactSecrets } from "./secrets.js";

/** What `RedisBroker.listWorkers` returns per process (typed here: the dashboard depends on core only). */
export interface HeartbeatRow {
  workerId: string;
  lastHeartbeat: number;
  alive: boolean;
  inFlight: Record<string, number>;
}

/** The workers a broker lets the dashboard see. */
export type WorkersView =
  | { kind: "heartbeats"; ownId: string | undefined; rows: HeartbeatRow[] }
  | { kind: "consumers"; rows: { queueName: string; queue: number; delayQueue: number }[] }
  | { kind: "unknown" };

interface HeartbeatBroker {
  workerId?: string;
  listWorkers(queueNames: readonly string[]): Promise<HeartbeatRow[]>;
}
interface ConsumerCountBroker {
  consumerCounts(queueName: string): Promise<{ queue: number; delayQueue: number }>;
}

/** Redis brokers show the heartbeat set, RabbitMQ brokers the consumers RabbitMQ counts per queue. */
export async function workersView(broker: Broker, queueNames: readonly string[]): Promise<WorkersView> {
  const heartbeats = broker as unknown as Partial<HeartbeatBroker>;
  if (typeof heartbeats.listWorkers === "function") {
    const rows = await heartbeats.listWorkers(queueNames);
    return { kind: "heartbeats", ownId: heartbeats.workerId, rows };
  }
  const counting = broker as unknown as Partial<ConsumerCountBroker>;
  if (typeof counting.consumerCounts === "function") {
    const counts = counting.consumerCounts.bind(broker);
    const rows = await Promise.all(queueNames.map(async (queueName) => ({ queueName, ...(await counts(queueName)) })));
    return { kind: "consumers", rows };
  }
  return { kind: "unknown" };
}

/**
 * The broker as the page header names it: its class and where it connects, with any
 * password replaced by `***` (brokers keep their URLs, and some keep them with credentials).
 */
export function describeBroker(broker: Broker): string {
  const shape = broker as unknown as { urls?: unknown; url?: unknown; namespace?: unknown; transport?: { address?: unknown } };
  const parts: string[] = [broker.constructor.name];
  if (Array.isArray(shape.urls)) parts.push(shape.urls.map(String).join(", "));
  else if (typeof shape.url === "string") parts.push(shape.url);
  else if (typeof shape.transport?.address === "string") parts.push(shape.transport.address);
  if (typeof shape.namespace === "string") parts.push(`namespace ${shape.namespace}`);
  return redactSecrets(parts.join(" · "));
}
