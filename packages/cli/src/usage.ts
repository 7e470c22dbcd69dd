const GENERAL = `Usage: troupe <command> [options]

Commands:
  worker MODULE[:name]...                 run worker processes for the actors the modules declare
  queues [MODULE] [--url URL]             ready, delayed, in-flight and dead-letter counts per queue
  dead-letters list|requeue|purge QUEUE   inspect, retry or drop dead-lettered messages
  send ACTOR --queue Q --args JSON        enqueue one message by hand
  scheduler MODULE[:export]               run the module's Scheduler (@troupe/scheduler) in this process
  schedules MODULE[:export]               each schedule with its next and last tick and last message id
  dashboard [MODULE] [--port 9292]        serve the browser dashboard (@troupe/dashboard) on 127.0.0.1

Run "troupe help <command>" for the options of a command, "troupe --version" (-V) for the version.
The broker comes from the module (setBroker() or an export), --url, or TROUPE_BROKER_URL.`;

const COMMANDS: Record<string, string> = {
  worker: `Usage: troupe worker MODULE[:name] [MODULE[:name]...] [options]

Imports the modules in order, in each worker process, all on one broker. :name is the
module's broker export, or a setup function (sync or async) to call: the broker it returns
wins, else the one it passed to setBroker(). Without :name: a default export that is a
broker, else setBroker() in the module, else TROUPE_BROKER_URL.

  -p, --processes N         worker processes (default: the number of CPUs)
  -c, --concurrency C       actors running at once per process (default 8)
      --threads N           worker_threads per process for actors declared with isolation: "thread"
                            (default: the number of CPUs; started on the first such message)
  -Q, --queues a b | a,b    queues to consume (default: every queue the modules declare); the
                            words after -Q up to the next flag are queues, except a path, a
                            .js/.mjs/.cjs/.ts/.mts/.cts/.tsx file, a MODULE:name or an existing
                            file: put the modules first, as in Dramatiq
      --watch DIR           reload the workers gracefully when a source file under DIR changes
      --watch-include GLOB  also reload for files matching GLOB (repeatable; always included:
                            **/*.{js,mjs,cjs,ts,mts,cts,tsx,json})
      --watch-exclude GLOB  never for files or folders matching GLOB (repeatable; always
                            excluded: **/node_modules/**, **/.git/**)
      --watch-use-polling   poll for changes (network mounts, some containers) instead of events
      --pid-file PATH       write the supervisor's pid; refuse to start if it names a running process
      --log-file PATH       append all output to PATH instead of the terminal
  -v, --verbose             debug logging (TROUPE_LOG_LEVEL=debug in the workers)
      --skip-logging        configure no logging: the workers keep the app's log level (not even
                            -v changes it) and the supervisor writes only its warnings and errors
      --shutdown-timeout MS time in-flight actors get to finish on stop
                            (default: TROUPE_SHUTDOWN_TIMEOUT, else 30000)
      --watchdog-timeout MS restart a process whose event loop is blocked this long (default 30000)
      --max-blocks N        dead-letter a message once it blocked the event loop N times (default 2)

The Worker of each process reads TROUPE_QUEUE_PREFETCH, TROUPE_DELAY_QUEUE_PREFETCH,
TROUPE_WORKER_TIMEOUT and TROUPE_SHUTDOWN_TIMEOUT (Dramatiq's dramatiq_queue_prefetch, ...).
SIGTERM/SIGINT stop gracefully, a second one at once; SIGHUP reloads.
Exit codes: 0 ok, 1 killed, 2 import or argument error, 3 broker unreachable, 4 pid file error.`,
  queues: `Usage: troupe queues [MODULE] [--url URL] [--queues a,b] [--json]`,
  "dead-letters": `Usage: troupe dead-letters list|requeue|purge QUEUE [--url URL | -m MODULE] [--limit N] [--json]`,
  scheduler: `Usage: troupe scheduler MODULE[:export] [options]

The Scheduler is the named export, else the default export, else an export named scheduler
(or a function returning one). Run it on every machine you like: each tick is sent once.

      --pid-file PATH       write this process's pid; refuse to start if it names a running process
  -v, --verbose             debug logging

SIGTERM/SIGINT stop gracefully, a second one at once.
Exit codes: 0 ok, 1 killed, 2 import or argument error, 3 broker or store unreachable, 4 pid file error.`,
  schedules: `Usage: troupe schedules MODULE[:export] [--json]`,
  dashboard: `Usage: troupe dashboard [MODULE[:export]] [options]

Serves @troupe/dashboard (installed in your project). A module exporting createDashboard(...)
(default export, an export named dashboard, or a function returning one) is served as it is;
otherwise one is built for the broker (the module's, --url, or TROUPE_BROKER_URL) and the
status records in Redis (the module's statusStore export, --status-url, or the broker's Redis).

      --host ADDRESS        listen address (default 127.0.0.1); any other needs credentials
      --port N              port (default 9292)
      --base-path PATH      mount path (default /)
      --url URL             the broker
      --status-url URL      the Redis holding the status records (needed with a RabbitMQ broker)
      --status-namespace NS key prefix of the status records (default troupe-status)
  -Q, --queues a,b          queues to show (default: declared ones and those in status records)
      --token TOKEN         log in with this token (better: TROUPE_DASHBOARD_TOKEN)
      --user U --password P basic credentials (better: TROUPE_DASHBOARD_USER, TROUPE_DASHBOARD_PASSWORD)

Flags are visible to other users in ps: prefer the environment variables for secrets.
SIGTERM/SIGINT stop it. Exit codes: 0 ok, 2 import or argument error, 3 broker unreachable.`,
  send: `Usage: troupe send ACTOR [--queue Q] [--args JSON-ARRAY] [--kwargs JSON-OBJECT] [--delay MS] [--url URL | -m MODULE]`,
};

export function usage(topic?: string): string {
  return (topic && COMMANDS[topic]) || GENERAL;
}
