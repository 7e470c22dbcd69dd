"""A minimal Dramatiq-layout peer written from docs/protocol.md section 4 alone.

usage:
  dramatiq_peer.py enqueue URL NAMESPACE QUEUE ACTOR COUNT   -> prints the message ids (JSON)
  dramatiq_peer.py consume URL NAMESPACE QUEUE COUNT TIMEOUT_MS -> prints the messages it acked (JSON)
"""
import json
import sys
import time
import uuid

import redis


def now_ms():
    return int(time.time() * 1000)


def enqueue(client, ns, queue, actor, count):
    worker = str(uuid.uuid4())
    ids = []
    for i in range(count):
        message_id = str(uuid.uuid4())
        redis_id = str(uuid.uuid4())
        message = {
            "queue_name": queue,
            "actor_name": actor,
            "args": [i, "py\u00e9"],
            "kwargs": {},
            "options": {"redis_message_id": redis_id},
            "message_id": message_id,
            "message_timestamp": now_ms(),
        }
        pipe = client.pipeline(transaction=True)
        pipe.zadd(f"{ns}:__heartbeats__", {worker: now_ms()})
        pipe.hset(f"{ns}:{queue}.msgs", redis_id, json.dumps(message, separators=(",", ":")))
        pipe.rpush(f"{ns}:{queue}", redis_id)
        pipe.execute()
        ids.append(message_id)
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


def consume(client, ns, queue, count, timeout_ms):
    worker = str(uuid.uuid4())
    acks = f"{ns}:__acks__.{worker}.{queue}"
    fetch = client.register_script(FETCH)
    seen = []
    deadline = now_ms() + timeout_ms
    while len(seen) < count and now_ms() < deadline:
        batch = fetch(keys=[f"{ns}:{queue}", f"{ns}:{queue}.msgs", acks, f"{ns}:__heartbeats__"], args=[10, now_ms(), worker])
        if not batch:
            time.sleep(0.02)
            continue
        for data in batch:
            message = json.loads(data)
            redis_id = message["options"]["redis_message_id"]
            pipe = client.pipeline(transaction=True)
            pipe.srem(acks, redis_id)
            pipe.hdel(f"{ns}:{queue}.msgs", redis_id)
            pipe.zadd(f"{ns}:__heartbeats__", {worker: now_ms()})
            pipe.execute()
            seen.append(message)
    print(json.dumps(seen))


def main():
    command, url, ns, queue = sys.argv[1:5]
    client = redis.Redis.from_url(url, decode_responses=True)
    if command == "enqueue":
        enqueue(client, ns, queue, sys.argv[5], int(sys.argv[6]))
    elif command == "consume":
        consume(client, ns, queue, int(sys.argv[5]), int(sys.argv[6]))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
