import { delayQueueName, type MessageData } from "@troupe/core";

/** Where a poison input is written, and what must become of it. */
export interface PoisonInput {
  /** What is wrong with it. */
  kind: string;
  /** The bytes, as a foreign producer writes them. */
  raw: string | Buffer;
  /** The delay queue (`q.DQ`) rather than the queue itself. */
  delayed?: boolean;
  /** Dead-lettered, with a logged reason matching this; or run once (the tag its actor records). */
  outcome: { deadLetter: RegExp } | { runsOnce: string };
}

/** What a poison suite's inputs are built from: a queue and the actors declared on it. */
export interface PoisonTargets {
  queueName: string;
  /** An actor `(tag, payload?) => void` that records `tag`, without kwargs. */
  tagged: string;
  /** An actor `(tag, payload?) => never` that always throws and may retry. */
  failing: string;
  /** The broker's `maxMessageSize` in the suite. */
  maxMessageSize: number;
}

const DEPTH = 100_000;
const deep = `${"[".repeat(DEPTH)}${"]".repeat(DEPTH)}`;
const json = (value: unknown) => JSON.stringify(value);

/**
 * Thirty-odd kinds of bad input among good messages: bytes that are no message,
 * envelopes with missing or mistyped keys, Python's NaN, unknown actors, unusable
 * options, and arguments too deep or too large to go round again.
 */
export function poisonInputs(targets: PoisonTargets): PoisonInput[] {
  const { queueName, tagged, failing } = targets;
  let count = 0;
  const envelope = (changes: Partial<Record<keyof MessageData, unknown>> = {}, actorName = tagged): Record<string, unknown> => ({
    queue_name: queueName,
    actor_name: actorName,
    args: [`poison-${++count}`],
    kwargs: {},
    options: {},
    message_id: `00000000-0000-4000-8000-${String(count).padStart(12, "0")}`,
    message_timestamp: Date.now(),
    ...changes,
  });
  const without = (key: keyof MessageData) => {
    const data = envelope();
    delete data[key];
    return json(data);
  };
  const withOptions = (options: Record<string, unknown>) => json(envelope({ options }));
  const delayed = (eta: unknown, tag: string) => json(envelope({ queue_name: delayQueueName(queueName), args: [tag], options: { eta } }));
  const dead = (deadLetter: RegExp) => ({ deadLetter });
  const notJson = dead(/not valid JSON/);
  const notObject = dead(/not a JSON object/);
  const good = json(envelope());
  const large = "x".repeat(Math.floor(targets.maxMessageSize / 2));
  const oversized = "x".repeat(targets.maxMessageSize * 2);

  return [
    { kind: "text that is not JSON", raw: "not json at all {", outcome: notJson },
    { kind: "invalid UTF-8 bytes", raw: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0xc3, 0x28]), outcome: notJson },
    { kind: "an empty body", raw: "", outcome: notJson },
    { kind: "truncated JSON", raw: good.slice(0, 40), outcome: notJson },
    { kind: "JSON null", raw: "null", outcome: notObject },
    { kind: "a JSON number", raw: "42", outcome: notObject },
    { kind: "a JSON string", raw: json("hello"), outcome: notObject },
    { kind: "a JSON array", raw: json(Object.values(envelope())), outcome: notObject },
    {
      kind: "NaN and Infinity, as Python's json writes them",
      raw: good.replace(/"args":\[[^\]]*\]/, '"args":[NaN,Infinity,-Infinity]'),
      outcome: dead(/NaN or Infinity/),
    },
    { kind: "no queue_name", raw: without("queue_name"), outcome: dead(/no string queue_name/) },
    { kind: "no actor_name", raw: without("actor_name"), outcome: dead(/no string actor_name/) },
    { kind: "a numeric actor_name", raw: json(envelope({ actor_name: 7 })), outcome: dead(/no string actor_name/) },
    { kind: "args an object", raw: json(envelope({ args: { 0: 1 } })), outcome: dead(/args is not an array/) },
    { kind: "no args", raw: without("args"), outcome: dead(/args is not an array/) },
    { kind: "kwargs an array", raw: json(envelope({ kwargs: [1] })), outcome: dead(/kwargs is not an object/) },
    { kind: "options null", raw: json(envelope({ options: null })), outcome: dead(/options is not an object/) },
    { kind: "options a string", raw: json(envelope({ options: "retries=1" })), outcome: dead(/options is not an object/) },
    { kind: "a numeric message_id", raw: json(envelope({ message_id: 12 })), outcome: dead(/no string message_id/) },
    {
      kind: "a string message_timestamp",
      raw: json(envelope({ message_timestamp: "now" })),
      outcome: dead(/no numeric message_timestamp/),
    },
    { kind: "an extra top-level key", raw: json({ ...envelope(), extra: true }), outcome: dead(/unknown top-level key "extra"/) },
    { kind: "an unknown actor", raw: json(envelope({}, "nobody_declared_this")), outcome: dead(/nobody_declared_this.*not declared/) },
    { kind: "kwargs for an actor without kwargs", raw: json(envelope({ kwargs: { x: 1 } })), outcome: dead(/got keyword arguments/) },
    { kind: "a string max_retries", raw: withOptions({ max_retries: "3" }), outcome: dead(/option max_retries must be/) },
    { kind: "a negative retries", raw: withOptions({ retries: -1 }), outcome: dead(/option retries must be/) },
    { kind: "a string time_limit", raw: withOptions({ time_limit: "1h" }), outcome: dead(/option time_limit must be/) },
    { kind: "a string pipe_target", raw: withOptions({ pipe_target: "next" }), outcome: dead(/option pipe_target must be a message/) },
    {
      kind: "a pipe_target missing keys",
      raw: withOptions({ pipe_target: { actor_name: tagged } }),
      outcome: dead(/option pipe_target must be a message/),
    },
    { kind: "a numeric on_success", raw: withOptions({ on_success: 5 }), outcome: dead(/option on_success must be an actor name/) },
    {
      kind: "group_completion_callbacks an object",
      raw: withOptions({ group_completion_uuid: "g", group_completion_callbacks: { a: 1 } }),
      outcome: dead(/option group_completion_callbacks must be/),
    },
    { kind: "a string eta on the delay queue", raw: delayed("tomorrow", "bad-eta"), delayed: true, outcome: dead(/option eta must be/) },
    {
      kind: "a negative eta on the delay queue (due at once)",
      raw: delayed(-5, "negative-eta"),
      delayed: true,
      outcome: { runsOnce: "negative-eta" },
    },
    {
      kind: `args nested ${DEPTH} deep, run once`,
      raw: json(envelope({ args: ["deep-ok", 0] })).replace(/,0\]/, `,${deep}]`),
      outcome: { runsOnce: "deep-ok" },
    },
    {
      kind: `args nested ${DEPTH} deep whose retry copy cannot be encoded`,
      raw: json(envelope({ args: ["deep-fails", 0] }, failing)).replace(/,0\]/, `,${deep}]`),
      outcome: dead(/could not enqueue the retry of .*RangeError/),
    },
    {
      kind: "a message over maxMessageSize whose retry copy the broker refuses",
      raw: json(envelope({ args: ["oversized", oversized] }, failing)),
      outcome: dead(/could not enqueue the retry of .*MessageTooLarge/),
    },
    { kind: "a large message under maxMessageSize", raw: json(envelope({ args: ["large", large] })), outcome: { runsOnce: "large" } },
  ];
}
