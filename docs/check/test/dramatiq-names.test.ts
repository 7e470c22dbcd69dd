import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as abortPackage from "@troupe/abort";
import * as rabbitmqPackage from "@troupe/broker-rabbitmq";
import * as redisPackage from "@troupe/broker-redis";
import { parseCommandLine } from "@troupe/cli";
import * as core from "@troupe/core";
import { actor, BROKER_URL_ENV, HOOK_NAMES, Message, MessageContext, OPTION_WIRE_NAMES, toWireName, WORKER_ENV } from "@troupe/core";
import * as prometheusPackage from "@troupe/prometheus";
import * as rateLimitPackage from "@troupe/rate-limit";
import * as rateLimitMemcached from "@troupe/rate-limit/memcached";
import * as rateLimitRedis from "@troupe/rate-limit/redis";
import * as memcachedResults from "@troupe/results-memcached";
import * as redisResults from "@troupe/results-redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Row, readPage } from "./dramatiq-page.js";
import { acceptsOption, fullBroker, optionSubjects, validOptions } from "./dramatiq-subjects.js";
import { troupeHelp } from "./troupe-help.js";

const tables = readPage();
const rowsOf = (kind: string) => tables.filter((table) => table.kind === kind).flatMap((table) => table.rows);
const at = (row: Row) => `docs/coming-from-dramatiq.md:${row.line} (${row.dramatiq})`;
/** The Troupe names of a kind of table, for the checks that every name of the code is on the page. */
const documented = (kind: string) => new Set(rowsOf(kind).flatMap((row) => row.troupe));
/** The one Dramatiq name of a row, when it has exactly one plain one (`max_retries`, not `dramatiq_x` (environment)). */
const singleDramatiqName = (row: Row) =>
  row.dramatiqNames.length === 1 && /^[a-z_]+$/.test(row.dramatiqNames[0]) ? row.dramatiqNames[0] : undefined;

describe("docs/coming-from-dramatiq.md", () => {
  it("is linked from the docs index and the README", () => {
    for (const index of ["../../../docs/README.md", "../../../README.md"]) {
      expect(readFileSync(fileURLToPath(new URL(index, import.meta.url)), "utf8")).toContain("coming-from-dramatiq.md");
    }
  });

  it("has tables of every kind, and each row names a Dramatiq name or says Troupe only, and gives a reason for none", () => {
    expect(new Set(tables.map((table) => table.kind))).toEqual(new Set(["options", "exports", "hooks", "wire", "cli", "env"]));
    for (const row of tables.flatMap((table) => table.rows)) {
      const troupeOnly = row.dramatiq === "Troupe only";
      expect(troupeOnly || row.dramatiqNames.length > 0, at(row)).toBe(true);
      if (troupeOnly) expect(row.none, at(row)).toBeUndefined();
      if (row.none) expect(row.notes.split(" ").length, `${at(row)}: why is there none?`).toBeGreaterThanOrEqual(4);
    }
  });
});

describe("options: actor, sendWithOptions and every constructor and call that takes options", () => {
  const broker = fullBroker();
  const subjects = optionSubjects(broker);
  const valid = new Map<string, string[]>();
  // A Troupe cell is a bare option name of the table's subject.
  const entries = tables
    .filter((table) => table.kind === "options")
    .flatMap((table) => table.rows.flatMap((row) => row.troupe.map((name) => ({ subject: table.subject as string, name, row }))));

  beforeAll(async () => {
    for (const [subject, call] of Object.entries(subjects)) valid.set(subject, await validOptions(subject, call));
  });
  afterAll(() => broker.close());

  it("gives each options table a subject the test can call", () => {
    const subjectsOnPage = new Set(tables.filter((table) => table.kind === "options").map((table) => table.subject));
    expect([...subjectsOnPage].filter((subject) => subject === undefined || !(subject in subjects))).toEqual([]);
    expect(Object.keys(subjects).filter((subject) => !subjectsOnPage.has(subject))).toEqual([]);
  });

  it("names only options the code accepts", async () => {
    for (const { subject, name, row } of entries) {
      expect(valid.get(subject), `${at(row)}: ${subject} has no option ${name}`).toContain(name);
      expect(await acceptsOption(subjects[subject], name), `${at(row)}: ${subject}({ ${name} }) is refused`).toBe(true);
    }
  });

  it("lists every option of every subject, Troupe's own included", () => {
    for (const [subject, names] of valid) {
      const onPage = new Set(entries.filter((entry) => entry.subject === subject).map((entry) => entry.name));
      expect(
        names.filter((name) => !onPage.has(name)),
        `options of ${subject} missing from the page`,
      ).toEqual([]);
    }
  });

  it("has for each actor and message option the Dramatiq name it is written under on the wire", () => {
    for (const { subject, name, row } of entries) {
      const dramatiq = singleDramatiqName(row);
      if ((subject === "actor" || subject === "sendWithOptions") && dramatiq) expect(toWireName(name), at(row)).toBe(dramatiq);
    }
  });
});

describe("wire options", () => {
  it("maps each Dramatiq key to the Troupe name whose wire name it is, and lists every one", () => {
    for (const row of rowsOf("wire")) {
      for (const name of row.troupe) {
        const wire = (OPTION_WIRE_NAMES as Record<string, string>)[name];
        expect(wire, `${at(row)}: ${name} is not in OPTION_WIRE_NAMES`).toBeDefined();
        if (row.dramatiq === "Troupe only") expect(row.notes, at(row)).toContain(`\`${wire}\``);
        else expect(wire, at(row)).toBe(row.dramatiqNames[0]);
      }
    }
    expect(Object.keys(OPTION_WIRE_NAMES).filter((name) => !documented("wire").has(name))).toEqual([]);
  });
});

describe("middleware hooks", () => {
  it("names hooks of the Middleware interface, and lists every one", () => {
    const hooks = new Set<string>([...HOOK_NAMES, "actorOptions"]);
    for (const row of rowsOf("hooks")) for (const name of row.troupe) expect(hooks.has(name), `${at(row)}: no hook ${name}`).toBe(true);
    expect(HOOK_NAMES.filter((name) => !documented("hooks").has(name))).toEqual([]);
  });
});

describe("exports", () => {
  const broker = fullBroker();
  afterAll(() => broker.close());
  const packages: Record<string, Record<string, unknown>> = {
    "@troupe/core": core,
    "@troupe/abort": abortPackage,
    "@troupe/broker-redis": redisPackage,
    "@troupe/broker-rabbitmq": rabbitmqPackage,
    "@troupe/prometheus": prometheusPackage,
    "@troupe/rate-limit": rateLimitPackage,
    "@troupe/rate-limit/redis": rateLimitRedis,
    "@troupe/rate-limit/memcached": rateLimitMemcached,
    "@troupe/results-redis": redisResults,
    "@troupe/results-memcached": memcachedResults,
  };
  // Instance fields and the abstract methods of Broker exist only on instances.
  const samples: Record<string, object> = {
    Actor: actor("dramatiq_names_sample", () => undefined, { broker }),
    Message: new Message({ queueName: "default", actorName: "a", args: [] }),
    MessageContext: new MessageContext(new Message({ queueName: "default", actorName: "a", args: [] })),
    Broker: broker,
    MemoryBroker: broker,
  };

  /** Interfaces and types leave nothing at run time: they are read from the package's entry, which only re-exports. */
  function typeExports(specifier: string): Set<string> {
    const [, name, sub] = /^@troupe\/([a-z-]+)(?:\/(.+))?$/.exec(specifier) ?? [];
    const entry = readFileSync(fileURLToPath(new URL(`../../../packages/${name}/src/${sub ?? "index"}.ts`, import.meta.url)), "utf8");
    const names = [...entry.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((match) => match[1].split(","));
    return new Set(
      names.map(
        (text) =>
          text
            .trim()
            .replace(/^type /, "")
            .split(" as ")
            .pop() as string,
      ),
    );
  }

  function hasMember(owner: string, value: unknown, member: string): boolean {
    if (typeof value !== "function") return false;
    return (
      member in value || (value.prototype !== undefined && member in value.prototype) || (owner in samples && member in samples[owner])
    );
  }

  it("names exports of the named package, and members those exports have", () => {
    for (const row of rowsOf("exports")) {
      for (const name of row.troupe) {
        const exported = packages[row.package ?? ""];
        expect(exported, `${at(row)}: give a package the test imports, not ${row.package}`).toBeDefined();
        const [owner, member] = name.split(".");
        if (member) expect(hasMember(owner, exported[owner], member), `${at(row)}: ${row.package} ${owner} has no ${member}`).toBe(true);
        else
          expect(owner in exported || typeExports(row.package as string).has(owner), `${at(row)}: ${row.package} exports no ${owner}`).toBe(
            true,
          );
      }
    }
  });
});

describe("the troupe worker command line", () => {
  let workerHelp = "";
  beforeAll(async () => {
    workerHelp = await troupeHelp("worker");
  });

  // `--watch .` first, so the flags that need it are accepted; a flag with a value takes "1000".
  const parses = (args: string[]) => {
    try {
      parseCommandLine(["worker", "./tasks.js", "--watch", ".", ...args]);
      return true;
    } catch {
      return false;
    }
  };
  const listed = (help: string, flag: string) => new RegExp(`(^|[\\s,])${flag}(?![\\w-])`, "m").test(help);

  it("names flags the parser accepts and the help lists, and commands that parse", () => {
    expect(workerHelp).toMatch(/^Usage: troupe worker /);
    for (const row of rowsOf("cli")) {
      for (const name of row.troupe) {
        if (name.startsWith("troupe ")) {
          expect(() => parseCommandLine(name.split(" ").slice(1)), at(row)).not.toThrow();
        } else if (name.startsWith("-")) {
          expect(parses([name]) || parses([name, "1000"]), `${at(row)}: troupe worker refuses ${name}`).toBe(true);
          expect(listed(workerHelp, name), `${at(row)}: troupe worker --help does not list ${name}`).toBe(true);
        } else {
          expect(workerHelp, at(row)).toContain(name);
        }
      }
    }
  });

  it("lists every flag of troupe worker: those it parses into its command and those its help shows", () => {
    const { name: _name, modules: _modules, ...flags } = parseCommandLine(["worker", "./tasks.js"]) as Record<string, unknown>;
    const parsed = Object.keys(flags).map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    const helped = [...workerHelp.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((match) => match[1]);
    expect(helped.length).toBeGreaterThan(10);
    expect([...new Set([...parsed, ...helped])].filter((flag) => !documented("cli").has(flag))).toEqual([]);
  });
});

describe("environment variables", () => {
  const variables = new Map(Object.values(WORKER_ENV).map((variable) => [variable.name, variable.dramatiq]));

  it("names WORKER_ENV's variables, beside the Dramatiq name WORKER_ENV records, and BROKER_URL_ENV", () => {
    for (const row of rowsOf("env")) {
      for (const name of row.troupe) {
        if (name === BROKER_URL_ENV) continue;
        expect(variables.has(name), `${at(row)}: ${name} is not in WORKER_ENV`).toBe(true);
        expect(row.dramatiq === "Troupe only" ? undefined : row.dramatiqNames[0], at(row)).toBe(variables.get(name));
      }
    }
  });

  it("lists every variable of WORKER_ENV and BROKER_URL_ENV", () => {
    expect([...variables.keys(), BROKER_URL_ENV].filter((name) => !documented("env").has(name))).toEqual([]);
  });
});
