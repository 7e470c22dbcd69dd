import { actor, actorRef, GroupCallbacks, group, pipeline, Results, uuid4, Worker } from "@troupe/core";
import { RedisRateLimiterBackend } from "@troupe/rate-limit/redis";
import { RedisResultBackend } from "@troupe/results-redis";
import { uniqueQueue } from "@troupe/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadProtocolVector } from "../../../fixtures/protocol-vectors.js";
import { RabbitmqBroker } from "../src/index.js";
import { deleteQueues, RABBITMQ_URL } from "./support/amqp.js";
import { capturingLogger } from "./support/logger.js";
import { findPython, runPeer } from "./support/python.js";

/**
 * Pipelines and groups across languages on RabbitMQ: the Python peer (test/fixtures/dramatiq_peer.py,
 * with test-support/dramatiq_composition.py) works and produces as Dramatiq does, from the wire
 * format alone. As in Dramatiq, results and group barriers live in Redis, apart from the broker.
 */
const REDIS_URL = process.env.TROUPE_REDIS_URL ?? "redis://127.0.0.1:6379";
/** The peer's Results(result_ttl=...) and GroupCallbacks(barrier_ttl=...): short, so test keys expire. */
const TTL = 60_000;
const WAIT = { block: true, timeout: 20_000 };

/** A message as the peer printed it: the wire object. */
type Wire = { actor_name: string; args: unknown[]; options: Record<string, unknown>; message_id: string };
/** A result as the peer read it back (`get_result(block=True)`). */
type Read = { value?: unknown; failure?: { type: string; msg: string } };
type Produced = { pipeline: Read[]; group: Read[]; callback: Read; callback_message_id: string; group_completion_uuid: string };

/** The barrier of a group once its callbacks went out, as Dramatiq left it (rate-limits.json). */
type BarrierVector = { redis: { group_completion_barrier: { steps: { keys: { type: string; value: unknown }[] }[] } } };
const openedBarrier = loadProtocolVector<BarrierVector>("rate-limits.json").redis.group_completion_barrier.steps[1].keys.map(
  ({ type, value }) => ({ type, value }),
);

const groupMembers = (ran: Wire[]) => ran.filter((m) => typeof m.options.group_completion_uuid === "string");

describe("composition with a Dramatiq peer (RabbitMQ, results and barriers on Redis)", () => {
  let python: string;
  const cleanup: (() => Promise<void>)[] = [];
  beforeAll(() => {
    python = findPython();
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** A broker with Results and GroupCallbacks on Redis, a results namespace of its own, and its queues deleted afterwards. */
  function open(queueNames: string[]) {
    const resultsNamespace = `troupe-test-results-${uuid4().slice(0, 8)}`;
    const results = new RedisResultBackend({ url: REDIS_URL, namespace: resultsNamespace });
    const barriers = new RedisRateLimiterBackend({ url: REDIS_URL });
    const broker = new RabbitmqBroker({ url: RABBITMQ_URL, logger: capturingLogger() });
    broker.addMiddleware(new Results({ backend: results, resultTtl: TTL }));
    broker.addMiddleware(new GroupCallbacks({ backend: barriers, barrierTtl: TTL }));
    cleanup.push(async () => {
      await broker.close();
      await results.close();
      await barriers.close();
      await deleteQueues(queueNames);
    });
    const work = (queues: string, count: number) =>
      runPeer<Wire[]>(python, ["work", RABBITMQ_URL, REDIS_URL, resultsNamespace, queues, `${count}`, "20000"]);
    const produce = (queue: string) => runPeer<Produced>(python, ["produce", RABBITMQ_URL, REDIS_URL, resultsNamespace, queue, "20000"]);
    const barrierState = async (uuid: string) => [
      { type: await barriers.client.type(uuid), value: await barriers.client.get(uuid) },
      { type: await barriers.client.type(`${uuid}@events`), value: await barriers.client.lrange(`${uuid}@events`, 0, -1) },
    ];
    return { broker, work, produce, barrierState };
  }

  it("runs a pipeline and a group with a completion callback built in Node on a Dramatiq worker; Node reads the results", async () => {
    const queueName = uniqueQueue("rmq_compose_py");
    const { broker, work, barrierState } = open([queueName]);
    const double = actorRef<[x: number], number>("double", { queueName, broker });
    const addOne = actorRef<[x: number], number>("add_one", { queueName, broker });
    const collect = actorRef<[tag: string], string[]>("collect", { queueName, broker });

    const p = await pipeline([
      double.message(3),
      addOne.message(),
      addOne.messageWithOptions({ args: [100], pipeIgnore: true }),
      double.message(),
    ]).run();
    const callback = collect.message("group done");
    const g = await group([double.message(1), double.message(2), pipeline([addOne.message(10), double.message()])])
      .addCompletionCallback(callback)
      .run();
    const ran = await work(queueName, 4 + 4 + 1);

    expect(await p.getResults(WAIT)).toEqual([6, 7, 101, 202]);
    expect(await g.getResults(WAIT)).toEqual([2, 4, 22]);
    expect(await callback.getResult(WAIT)).toEqual(["group done"]);
    const callbacks = ran.filter((m) => m.actor_name === "collect");
    expect(callbacks.map((m) => m.message_id)).toEqual([callback.messageId]);
    const members = groupMembers(ran);
    expect(members.map((m) => m.args[0] as number).sort((a, b) => a - b)).toEqual([1, 2, 11]);
    expect(Math.max(...members.map((m) => ran.indexOf(m)))).toBeLessThan(ran.indexOf(callbacks[0]));
    // The barrier Node created and Python passed ends as Dramatiq's does.
    expect(await barrierState(members[0].options.group_completion_uuid as string)).toEqual(openedBarrier);
  });

  it("runs a pipeline and a group a Dramatiq producer built on a Troupe worker; Python reads the results", async () => {
    const queueName = uniqueQueue("rmq_compose_node");
    const { broker, produce, barrierState } = open([queueName]);
    const options = { broker, queueName, storeResults: true };
    const collected: unknown[][] = [];
    actor("double", (x: number) => x * 2, options);
    actor("add_one", (x: number) => x + 1, options);
    actor(
      "collect",
      (...args: unknown[]) => {
        collected.push(args);
        return args;
      },
      options,
    );
    const worker = new Worker(broker, { queues: [queueName], workerTimeout: 100 });
    await worker.start();
    cleanup.push(() => worker.stop());

    const produced = await produce(queueName);

    expect(produced.pipeline).toEqual([10, 11, 1001, 2002].map((value) => ({ value })));
    expect(produced.group).toEqual([2, 4, 22].map((value) => ({ value })));
    expect(produced.callback).toEqual({ value: ["group done"] });
    expect(collected).toEqual([["group done"]]);
    expect(await barrierState(produced.group_completion_uuid)).toEqual(openedBarrier);
  });

  it("completes a pipeline and a group whose steps alternate between a Dramatiq and a Troupe worker", async () => {
    const [pyQueue, nodeQueue] = [uniqueQueue("rmq_mixed_py"), uniqueQueue("rmq_mixed_node")];
    const { broker, work, barrierState } = open([pyQueue, nodeQueue]);
    const double = actorRef<[x: number], number>("double", { queueName: pyQueue, broker });
    const collect = actorRef<[tag: string], string[]>("collect", { queueName: pyQueue, broker });
    const addOne = actor("add_one", (x: number) => x + 1, { broker, queueName: nodeQueue, storeResults: true });
    const worker = new Worker(broker, { queues: [nodeQueue], workerTimeout: 100 });
    await worker.start();
    cleanup.push(() => worker.stop());
    // Python runs three pipeline steps, two group members and the callback.
    const python = work(pyQueue, 3 + 2 + 1);

    const p = await pipeline([double.message(2), addOne.message(), double.message(), addOne.message(), double.message()]).run();
    const callback = collect.message("mixed done");
    const g = await group([double.message(1), addOne.message(5), double.message(2), addOne.message(6)])
      .addCompletionCallback(callback)
      .run();

    expect(await p.getResults(WAIT)).toEqual([4, 5, 10, 11, 22]);
    expect(await g.getResults(WAIT)).toEqual([2, 6, 4, 7]);
    expect(await callback.getResult(WAIT)).toEqual(["mixed done"]);
    const ran = await python;
    expect(ran.map((m) => m.actor_name).sort()).toEqual(["collect", "double", "double", "double", "double", "double"]);
    // The steps Troupe enqueued after its own keep the ids fixed when the pipeline was built,
    // with Dramatiq's option layout (no redis_message_id on RabbitMQ).
    const steps = ran.filter((m) => m.actor_name === "double" && groupMembers([m]).length === 0);
    expect(steps.map((m) => m.message_id)).toEqual([0, 2, 4].map((i) => p.messages[i].messageId));
    expect(steps.map((m) => Object.keys(m.options))).toEqual([["pipe_target"], ["pipe_target"], []]);
    // Both workers passed the one barrier, and the callback went out once.
    expect(await barrierState(groupMembers(ran)[0].options.group_completion_uuid as string)).toEqual(openedBarrier);
    expect(await broker.queueStats(pyQueue)).toMatchObject({ ready: 0 });
  });
});
