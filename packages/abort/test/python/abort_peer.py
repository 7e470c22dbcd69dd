"""A dramatiq-abort peer written from the wire format alone (docs/abort.md):

  abort URL NAMESPACE MESSAGE_ID MODE ABORT_TIMEOUT|- TTL
      stores a request as dramatiq-abort's Redis backend does: RPUSH {} onto
      <namespace>cancel:<id> and, for mode abort, {"abort_timeout": ms} (or {}) onto
      <namespace>abort:<id>, each followed by PEXPIRE TTL.
  read URL NAMESPACE MESSAGE_ID
      prints, as JSON, the raw entries and PTTL of both keys of the message.
"""
import json
import sys

import redis


def abort(client, namespace, message_id, mode, abort_timeout, ttl):
    events = [(f"{namespace}cancel:{message_id}", {})]
    if mode == "abort":
        params = {} if abort_timeout == "-" else {"abort_timeout": int(abort_timeout)}
        events.append((f"{namespace}abort:{message_id}", params))
    with client.pipeline() as pipe:
        for key, params in events:
            pipe.rpush(key, json.dumps(params))
            pipe.pexpire(key, int(ttl))
        pipe.execute()


def read(client, namespace, message_id):
    out = {}
    for kind in ("cancel", "abort"):
        key = f"{namespace}{kind}:{message_id}"
        raw = [value.decode() for value in client.lrange(key, 0, -1)]
        out[kind] = {"raw": raw, "parsed": [json.loads(value) for value in raw], "pttl": client.pttl(key)}
    print(json.dumps(out))


def main():
    command, url, namespace, message_id, *rest = sys.argv[1:]
    client = redis.Redis.from_url(url)
    if command == "abort":
        abort(client, namespace, message_id, *rest)
    elif command == "read":
        read(client, namespace, message_id)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
