"""A Dramatiq-layout Redis peer (docs/protocol.md section 4) that speaks trace_ctx.

It stands for a Python Dramatiq service with OpenTelemetry: it reads the W3C trace
context a Troupe producer put in `options.trace_ctx`, and produces messages whose
`trace_ctx` names a span of its own, as a traced Python producer would.

usage:
  trace_peer.py consume URL NAMESPACE QUEUE COUNT TIMEOUT_MS
      -> prints [{"message_id", "trace_ctx"}] of the messages it acked (JSON)
  trace_peer.py produce URL NAMESPACE QUEUE ACTOR
      -> prints {"message_id", "trace_id", "span_id"} of the message and its parent span (JSON)
"""
import json
import os
import sys
import time
import uuid

import redis

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
            pipe.execute()
            seen.append({"message_id": message["message_id"], "trace_ctx": message["options"].get("trace_ctx")})
    print(json.dumps(seen))


def produce(client, ns, queue, actor):
    trace_id = os.urandom(16).hex()
    span_id = os.urandom(8).hex()
    message_id = str(uuid.uuid4())
    redis_id = str(uuid.uuid4())
    message = {
        "queue_name": queue,
        "actor_name": actor,
        "args": ["from python"],
        "kwargs": {},
        "options": {
            "trace_ctx": {"traceparent": f"00-{trace_id}-{span_id}-01", "tracestate": "py=1"},
            "redis_message_id": redis_id,
        },
        "message_id": message_id,
        "message_timestamp": now_ms(),
    }
    pipe = client.pipeline(transaction=True)
    pipe.hset(f"{ns}:{queue}.msgs", redis_id, json.dumps(message, separators=(",", ":")))
    pipe.rpush(f"{ns}:{queue}", redis_id)
    pipe.execute()
    print(json.dumps({"message_id": message_id, "trace_id": trace_id, "span_id": span_id}))


def main():
    command, url, ns, queue = sys.argv[1:5]
    client = redis.Redis.from_url(url, decode_responses=True)
    if command == "consume":
        consume(client, ns, queue, int(sys.argv[5]), int(sys.argv[6]))
    elif command == "produce":
        produce(client, ns, queue, sys.argv[5])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
