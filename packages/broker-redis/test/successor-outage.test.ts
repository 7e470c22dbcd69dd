import { actor, GroupCallbacks, group, type Logger, MemoryRateLimiterBackend, pipeline, Worker } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { TcpProxy } from "../../../test-support/tcp-proxy.js";
import { RedisBroker } from "../src/index.js";
import { deleteNamespace, REDIS_URL, uniqueNamespace } from "./helpers.js";

const CONNECT_TIMEOUT = 500;
const admin = new Redis(REDIS_URL);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/**
 * A broker that reaches Redis through a loopback proxy, and `cutOff()` for an actor
 * to call: it refuses and drops every connection, so the successor its run writes
 * next meets an outage; the outage ends once an enqueue has failed on it.
 */
async function outageRig() {
  const proxy = await TcpProxy.start({ port: Number(new URL(REDIS_URL).port || 6379) });
  const namespace = uniqueNamespace("successor");
  const lines: string[] = [];
  const keep = (text: string) => void lines.push(text);
  const logger: Logger = { debug() {}, info: keep, warn: keep, error: keep };
  const broker = new RedisBroker({ url: `redis://127.0.0.1:${proxy.port}`, namespace, connectTimeout: CONNECT_TIMEOUT, logger });
  broker.addMiddleware(new GroupCallbacks({ backend: new MemoryRateLimiterBackend() }));
  let worker: Worker | undefined;
  cleanup.push(async () => {
    proxy.refuse(false);
    await worker?.stop({ timeout: 5_000 });
    await broker.close();
    await proxy.close();
    await deleteNamespace(admin, namespace);
  });
  let cut = false;
  return {
    broker,
    lines,
    /** Called by an actor on the run whose successor must fail: cuts Redis off until that enqueue has failed. */
    async cutOff(): Promise<void> {
      if (cut) return;
      cut = true;
      proxy.refuse();
      proxy.drop();
      // Wait until the client knows, so the successor's enqueue fails before anything is sent.
      await eventually(() => broker.client.status !== "ready", "the client saw the connection drop");
      void eventually(() => lines.some((line) => line.includes(`within ${CONNECT_TIMEOUT} ms`)), "an enqueue failed", 20_000).then(() =>
        proxy.refuse(false),
      );
    },
    async start(queues: string[]): Promise<Worker> {
      worker = new Worker(broker, { concurrency: 1, queues, workerTimeout: 100 });
      await worker.start();
      return worker;
    },
  };
}

describe("on Redis, a message whose successor meets an outage longer than connectTimeout comes back", () => {
  it("an onSuccess callback: the source runs again and the callback runs once", async () => {
    const rig = await outageRig();
    let sourceRuns = 0;
    const callbacks: string[] = [];
    actor("on_done", (source: Record<string, unknown>) => void callbacks.push(source.message_id as string), {
      broker: rig.broker,
      queueName: "succ_callbacks",
    });
    const source = actor(
      "source",
      async () => {
        sourceRuns++;
        await rig.cutOff();
        return "done";
      },
      { broker: rig.broker, queueName: "succ_source", onSuccess: "on_done" },
    );
    const sent = await source.send();
    await rig.start(["succ_source", "succ_callbacks"]);
    await eventually(() => callbacks.length > 0, "the callback ran", 25_000);
    await rig.broker.join("succ_source", { timeout: 10_000 });
    await rig.broker.join("succ_callbacks", { timeout: 10_000 });
    expect(callbacks).toEqual([sent.messageId]);
    expect(sourceRuns).toBe(2);
    expect(rig.lines).toContainEqual(
      expect.stringMatching(/^could not enqueue the onSuccess callback on_done of source\(.+\) is not acked/s),
    );
  });

  it("a pipeline step: the step runs again and the next step runs once", async () => {
    const rig = await outageRig();
    let firstRuns = 0;
    const finished: number[] = [];
    const first = actor(
      "first_step",
      async (n: number) => {
        firstRuns++;
        await rig.cutOff();
        return n + 1;
      },
      { broker: rig.broker, queueName: "succ_pipe" },
    );
    const second = actor("second_step", (n: number) => void finished.push(n), { broker: rig.broker, queueName: "succ_pipe" });
    await pipeline([first.message(41), second.message()]).run();
    await rig.start(["succ_pipe"]);
    await eventually(() => finished.length > 0, "the second step ran", 25_000);
    await rig.broker.join("succ_pipe", { timeout: 10_000 });
    expect(finished).toEqual([42]);
    expect(firstRuns).toBe(2);
    expect(rig.lines).toContainEqual(expect.stringMatching(/^could not enqueue the next pipeline step of first_step\(.+\) is not acked/s));
  });

  it("a group's completion callback: the last member runs again and the callback runs once", async () => {
    const rig = await outageRig();
    let memberRuns = 0;
    let completions = 0;
    const member = actor(
      "member",
      async (n: number) => {
        memberRuns++;
        if (memberRuns === 3) await rig.cutOff();
        return n;
      },
      { broker: rig.broker, queueName: "succ_group" },
    );
    const done = actor(
      "group_done",
      () => {
        completions++;
      },
      { broker: rig.broker, queueName: "succ_group" },
    );
    await group([member.message(1), member.message(2), member.message(3)])
      .addCompletionCallback(done.message())
      .run();
    await rig.start(["succ_group"]);
    await eventually(() => completions > 0, "the completion callback ran", 25_000);
    await rig.broker.join("succ_group", { timeout: 10_000 });
    expect(completions).toBe(1);
    expect(memberRuns).toBe(4);
    expect(rig.lines).toContainEqual(expect.stringMatching(/^could not enqueue the completion callbacks of group .+ is not acked/s));
  });
});
