"""Dramatiq's composition, written from docs/protocol.md sections 2, 6 and 7 and the vectors alone.

What a Dramatiq worker with Results(backend=RedisBackend) and GroupCallbacks(RedisBackend) does
after an actor succeeds, and how dramatiq.pipeline and dramatiq.group write their messages.
As in Dramatiq, results and barriers live in Redis whatever the broker is: a peer hands over
its broker's enqueue and a Redis client, and the Dramatiq peers of both brokers import this.

The actors never fail; a failure (an unknown actor, a wrong argument) ends the peer with a traceback.
"""
import hashlib
import json
import time
import uuid

import redis

# Results(result_ttl=60000) and GroupCallbacks(barrier_ttl=60000): short, so a test's keys expire.
RESULT_TTL = 60_000
BARRIER_TTL = 60_000
FAILURE_MARKER = "dramatiq.results.Result"

# Each as declared with @dramatiq.actor(store_results=True).
ACTORS = {
    "double": lambda x: x * 2,
    "add_one": lambda x: x + 1,
    "collect": lambda *args: list(args),
}


def now_ms():
    return int(time.time() * 1000)


def encode(value):
    """Dramatiq's JSONEncoder: compact, non-ASCII escaped."""
    return json.dumps(value, separators=(",", ":"))


def message(queue, actor, args, **options):
    """actor.message_with_options(...): the seven keys, in Dramatiq's order."""
    return {
        "queue_name": queue,
        "actor_name": actor,
        "args": list(args),
        "kwargs": {},
        "options": options,
        "message_id": str(uuid.uuid4()),
        "message_timestamp": now_ms(),
    }


def pipeline(steps):
    """dramatiq.pipeline(steps): each step holds the next as pipe_target; every id is fixed now."""
    for step, after in zip(steps, steps[1:]):
        step["options"]["pipe_target"] = after
    return steps


class Composition:
    def __init__(self, client, results_namespace, enqueue):
        self.redis = client
        self.namespace = results_namespace
        self.enqueue = enqueue

    def result_key(self, message):
        queue = message["queue_name"].removesuffix(".DQ")
        raw = f"{self.namespace}:{queue}:{message['actor_name']}:{message['message_id']}"
        return hashlib.md5(raw.encode()).hexdigest()

    def store_result(self, message, value):
        """RedisBackend: a one-element list under the md5 key, with the result TTL."""
        key = self.result_key(message)
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(key)
        pipe.lpush(key, encode(value))
        pipe.pexpire(key, message["options"].get("result_ttl", RESULT_TTL))
        pipe.execute()

    def get_result(self, message, deadline_ms):
        """get_result(block=True): BRPOPLPUSH puts the value straight back for other readers."""
        key = self.result_key(message)
        value = self.redis.brpoplpush(key, key, max(1, (deadline_ms - now_ms()) // 1000))
        if value is None:
            raise TimeoutError(f"no result for {message['actor_name']} {message['message_id']}")
        if self.redis.llen(key) != 1 or self.redis.pttl(key) <= 0:
            raise ValueError(f"result {key} is not a one-element list with a TTL")
        data = json.loads(value)
        if isinstance(data, dict) and data.get("__t") == FAILURE_MARKER:
            return {"failure": data["exn"]}
        return {"value": data}

    def create_barrier(self, key, parties):
        """Barrier.create: set the counter only if it is absent."""
        return bool(self.redis.set(key, parties, px=BARRIER_TTL, nx=True))

    def pass_barrier(self, key):
        """Barrier.wait(block=False): decrement with minimum 1; a refused decrement means it is open."""
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    value = pipe.get(key)
                    if value is None or int(value) - 1 < 1:
                        break
                    pipe.multi()
                    pipe.set(key, int(value) - 1, px=BARRIER_TTL)
                    pipe.execute()
                    return False
                except redis.WatchError:
                    continue
        # Open: wake blocking waiters (the counter stays at 1).
        pipe = self.redis.pipeline(transaction=True)
        pipe.rpush(key + "@events", "x")
        pipe.pexpire(key + "@events", BARRIER_TTL)
        pipe.execute()
        return True

    def process(self, message):
        """Runs the actor, then does what Results, GroupCallbacks and Pipelines do on success."""
        result = ACTORS[message["actor_name"]](*message["args"], **message["kwargs"])
        options = message["options"]
        # Results first, so a step's result is stored before the next step can run.
        if options.get("store_results", True):
            self.store_result(message, result)
        group_id, callbacks = options.get("group_completion_uuid"), options.get("group_completion_callbacks")
        if group_id and callbacks and self.pass_barrier(group_id):
            for callback in callbacks:
                self.enqueue(callback)
        target = options.get("pipe_target")
        if target is not None:
            if "delay" in target["options"]:
                raise NotImplementedError("this peer does not delay pipeline steps")
            if not target["options"].get("pipe_ignore"):
                target = {**target, "args": target["args"] + [result]}
            self.enqueue(target)

    def run_group(self, children, callbacks):
        """group(children).add_completion_callback(...).run(): the barrier, then the members; a
        pipeline member carries the group options on its last step only."""
        group_id = str(uuid.uuid4())
        self.create_barrier(group_id, len(children))
        for child in children:
            steps = child if isinstance(child, list) else [child]
            steps[-1]["options"].update(group_completion_uuid=group_id, group_completion_callbacks=callbacks)
            self.enqueue(steps[0])
        return group_id

    def produce(self, queue, timeout_ms):
        """Sends a pipeline and a group with a completion callback on QUEUE, as a Dramatiq producer
        would, then waits for every result; the answer names the group's barrier."""
        steps = pipeline([
            message(queue, "double", [5]),
            message(queue, "add_one", []),
            message(queue, "add_one", [1000], pipe_ignore=True),
            message(queue, "double", []),
        ])
        self.enqueue(steps[0])
        members = [
            message(queue, "double", [1]),
            message(queue, "double", [2]),
            pipeline([message(queue, "add_one", [10]), message(queue, "double", [])]),
        ]
        callback = message(queue, "collect", ["group done"])
        group_id = self.run_group(members, [callback])
        deadline = now_ms() + timeout_ms
        return {
            "pipeline": [self.get_result(step, deadline) for step in steps],
            "group": [self.get_result(m[-1] if isinstance(m, list) else m, deadline) for m in members],
            "callback": self.get_result(callback, deadline),
            "callback_message_id": callback["message_id"],
            "group_completion_uuid": group_id,
        }
