-- KEYS[1] event list; ARGV ttl (ms). Wakes every BRPOPLPUSH waiter, now and until the list expires.
redis.call("RPUSH", KEYS[1], "x")
redis.call("PEXPIRE", KEYS[1], ARGV[1])
return 1
