"""A minimal Dramatiq-layout peer written from docs/protocol.md alone (section 4; 2, 6 and 7 for composition).

usage:
  dramatiq_peer.py enqueue URL NAMESPACE QUEUE ACTOR COUNT   -> prints the message ids (JSON)
  dramatiq_peer.py consume URL NAMESPACE QUEUE COUNT TIMEOUT_MS -> prints the messages it acked (JSON)
  dramatiq_peer.py work URL NAMESPACE QUEUES COUNT TIMEOUT_MS RESULTS_NAMESPACE
      a Dramatiq worker with Results and GroupCallbacks on QUEUES (comma-separated) until it has
      run COUNT messages -> prints the messages it ran (JSON)
  dramatiq_peer.py produce URL NAMESPACE QUEUE TIMEOUT_MS RESULTS_NAMESPACE
      sends a pipeline and a group with a completion callback, waits for their results -> prints them (JSON)
Results and barriers are the composition module's (test-support/dramatiq_composition.py).
"""
import json
import sys
import time
import uuid
from pathlib import Path

import redis

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "test-support"))
from dramatiq_composition import Composition, encode, message, now_ms  # noqa: E402


def write(client, ns, worker, data):
    """Enqueue: a new redis_message_id in the options, the bytes in q.msgs, the id at the tail of q."""
    redis_id = str(uuid.uuid4())
    data = {**data, "options": {**data["options"], "redis_message_id": redis_id}}
    queue = data["queue_name"]
    pipe = client.pipeline(transaction=True)
    pipe.zadd(f"{ns}:__heartbeats__", {worker: now_ms()})
    pipe.hset(f"{ns}:{queue}.msgs", redis_id, encode(data))
    pipe.rpush(f"{ns}:{queue}", redis_id)
    pipe.execute()


def enqueue(client, ns, worker, queue, actor, count):
    ids = []
    for i in range(count):
        data = message(queue, actor, [i, "py\u00e9"])
        write(client, ns, worker, data)
        ids.append(data["message_id"])
    print(json.dumps(ids))


FETCH = """
local ids = redis.call("lrange", KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return {} end
redis.call("ltrim", KEYS[1], #ids, -1)
local out = {}
for _, id in ipairs(ids) do
  local data = redis.call("hget", KEYS[2], id)
  if data then
    redis.call("sadd", KEYS[3], id)
    out[#out + 1] = data
  end
end
redis.call("zadd", KEYS[4], ARGV[2], ARGV[3])
return out
"""


def consume(client, ns, worker, queues, count, timeout_ms, handle=lambda message: None):
    """Fetches from each of the queues in turn and acks each message once handle(message) returned."""
    fetch = client.register_script(FETCH)
    seen = []
    deadline = now_ms() + timeout_ms
    while len(seen) < count and now_ms() < deadline:
        fetched = False
        for queue in queues:
            acks = f"{ns}:__acks__.{worker}.{queue}"
            batch = fetch(keys=[f"{ns}:{queue}", f"{ns}:{queue}.msgs", acks, f"{ns}:__heartbeats__"], args=[10, now_ms(), worker])
            fetched = fetched or bool(batch)
            for data in batch:
                message = json.loads(data)
                handle(message)
                redis_id = message["options"]["redis_message_id"]
                pipe = client.pipeline(transaction=True)
                pipe.srem(acks, redis_id)
                pipe.hdel(f"{ns}:{queue}.msgs", redis_id)
                pipe.zadd(f"{ns}:__heartbeats__", {worker: now_ms()})
                pipe.execute()
                seen.append(message)
        if not fetched:
            time.sleep(0.02)
    return seen


def main():
    command, url, ns, queue = sys.argv[1:5]
    client = redis.Redis.from_url(url, decode_responses=True)
    worker = str(uuid.uuid4())
    if command == "enqueue":
        enqueue(client, ns, worker, queue, sys.argv[5], int(sys.argv[6]))
    elif command == "consume":
        print(json.dumps(consume(client, ns, worker, [queue], int(sys.argv[5]), int(sys.argv[6]))))
    elif command == "work":
        composition = Composition(client, sys.argv[7], lambda data: write(client, ns, worker, data))
        print(json.dumps(consume(client, ns, worker, queue.split(","), int(sys.argv[5]), int(sys.argv[6]), composition.process)))
    elif command == "produce":
        composition = Composition(client, sys.argv[6], lambda data: write(client, ns, worker, data))
        print(json.dumps(composition.produce(queue, int(sys.argv[5]))))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
