"""A Python worker for scheduled messages, written from docs/protocol.md alone: it reads
the Redis layout (section 4) as Dramatiq's RedisBroker does, builds each message as
Dramatiq's `Message` namedtuple (so any other top-level key, or a missing one, fails),
runs the actor named by `actor_name` with `*args, **kwargs`, and acks it.

usage: dramatiq_worker.py URL NAMESPACE QUEUE COUNT TIMEOUT_MS SCHEDULE TICK_ID_NAMESPACE
prints, as JSON, one entry per message run: the message, the actor's result, and the
message_id Python computes for the schedule and tick (uuid5), to compare with the one sent.
"""
import json
import sys
import time
import uuid
from collections import namedtuple

import redis

# The envelope exactly as dramatiq.message.Message declares it.
Message = namedtuple("Message", ("queue_name", "actor_name", "args", "kwargs", "options", "message_id", "message_timestamp"))

ACTORS = {"scheduled_add": lambda x, y: x + y}

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


def now_ms():
    return int(time.time() * 1000)


def main():
    url, ns, queue, count, timeout_ms, schedule, id_namespace = sys.argv[1:8]
    count, timeout_ms = int(count), int(timeout_ms)
    client = redis.Redis.from_url(url, decode_responses=True)
    worker = str(uuid.uuid4())
    acks = f"{ns}:__acks__.{worker}.{queue}"
    fetch = client.register_script(FETCH)
    ran = []
    deadline = now_ms() + timeout_ms
    while len(ran) < count and now_ms() < deadline:
        batch = fetch(keys=[f"{ns}:{queue}", f"{ns}:{queue}.msgs", acks, f"{ns}:__heartbeats__"], args=[10, now_ms(), worker])
        if not batch:
            time.sleep(0.02)
            continue
        for data in batch:
            message = Message(**json.loads(data))
            result = ACTORS[message.actor_name](*message.args, **message.kwargs)
            redis_id = message.options["redis_message_id"]
            pipe = client.pipeline(transaction=True)
            pipe.srem(acks, redis_id)
            pipe.hdel(f"{ns}:{queue}.msgs", redis_id)
            pipe.zadd(f"{ns}:__heartbeats__", {worker: now_ms()})
            pipe.execute()
            expected_id = uuid.uuid5(uuid.UUID(id_namespace), f"{schedule}:{message.message_timestamp}")
            ran.append({"message": message._asdict(), "result": result, "python_id": str(expected_id), "redis_id": redis_id})
    print(json.dumps(ran))


if __name__ == "__main__":
    main()
