/**
 * A strict reader of the Prometheus text exposition format (0.0.4): it throws on
 * any line a Prometheus server would reject or that breaks the format's rules
 * (TYPE before samples, one TYPE and HELP per family, contiguous families,
 * unique series, cumulative histogram buckets ending in +Inf = _count).
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string | undefined;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parseExposition(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  const families = new Map<string, Family>();
  const finished = new Set<string>();
  let current: Family | undefined;
  const lines = text.split("\n");
  lines.pop();
  lines.forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1} ${JSON.stringify(line)}: ${why}`);
    };
    if (line.trim() === "") return;
    const family = (name: string): Family => {
      if (!METRIC_NAME.test(name)) fail(`invalid metric name ${name}`);
      if (current && current.name !== name) finished.add(current.name);
      if (finished.has(name)) fail(`family ${name} is not contiguous`);
      let found = families.get(name);
      if (!found) families.set(name, (found = { name, type: "untyped", help: undefined, samples: [] }));
      current = found;
      return found;
    };
    if (line.startsWith("#")) {
      const help = /^# HELP (\S+) (.*)$/.exec(line);
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (help) {
        const target = family(help[1]);
        if (target.help !== undefined) fail("a second HELP");
        if (/\\[^\\n]/.test(help[2].replace(/\\\\/g, ""))) fail("invalid escape in HELP");
        target.help = help[2];
      } else if (type) {
        const target = family(type[1]);
        if (!TYPES.has(type[2])) fail(`unknown type ${type[2]}`);
        if (target.samples.length > 0 || target.type !== "untyped") fail("TYPE after samples or twice");
        target.type = type[2];
      } else if (/^# (HELP|TYPE)\b/.test(line)) fail("malformed HELP or TYPE");
      return;
    }
    const sample = parseSample(line, fail);
    const target = current && belongsTo(sample.name, current) ? current : family(sample.name);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (target.samples.some((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}` === key)) fail("duplicate series");
    target.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family);
  return families;
}

function belongsTo(sampleName: string, family: Family): boolean {
  if (family.type === "histogram") return [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`].includes(sampleName);
  if (family.type === "summary") return [family.name, `${family.name}_sum`, `${family.name}_count`].includes(sampleName);
  return sampleName === family.name;
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line) ?? fail("no metric name");
  const name = head[1];
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    while (!rest.startsWith("}")) {
      const pair = /^([^=]*)="((?:[^"\\\n]|\\[\\"n])*)"/.exec(rest) ?? fail("malformed label");
      if (!LABEL_NAME.test(pair[1])) fail(`invalid label name ${pair[1]}`);
      if (pair[1] in labels) fail(`label ${pair[1]} twice`);
      labels[pair[1]] = pair[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      rest = rest.slice(pair[0].length);
      if (rest.startsWith(",")) rest = rest.slice(1);
      else if (!rest.startsWith("}")) fail("expected , or } after a label");
    }
    rest = rest.slice(1);
  }
  const parts = /^ (\S+)(?: (-?\d+))?$/.exec(rest) ?? fail("expected ' value [timestamp]'");
  return { name, labels, value: parseValue(parts[1], fail) };
}

function parseValue(text: string, fail: (why: string) => never): number {
  if (text === "NaN") return Number.NaN;
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (!FLOAT.test(text)) fail(`invalid value ${text}`);
  return Number(text);
}

function checkHistogram(family: Family): void {
  const series = new Map<string, Sample[]>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    series.set(key, [...(series.get(key) ?? []), sample]);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${family.name}_bucket`);
    const count = samples.find((s) => s.name === `${family.name}_count`);
    if (!count || !samples.some((s) => s.name === `${family.name}_sum`)) throw new Error(`${family.name}${key}: _sum or _count missing`);
    const bounds = buckets.map((b) => (b.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(b.labels.le)));
    if (bounds.some(Number.isNaN) || bounds.at(-1) !== Number.POSITIVE_INFINITY)
      throw new Error(`${family.name}${key}: buckets must end in le="+Inf"`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(bounds[i] > bounds[i - 1]) || buckets[i].value < buckets[i - 1].value)
        throw new Error(`${family.name}${key}: buckets not cumulative`);
    }
    if (buckets.at(-1)?.value !== count.value) throw new Error(`${family.name}${key}: the +Inf bucket differs from _count`);
  }
}

/** The sum of a sample's values over the series whose labels include `labels` (0 when there is none). */
export function sumOf(families: Map<string, Family>, sampleName: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === sampleName && Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) total += sample.value;
    }
  }
  return total;
}

/** The series of a sample name, as label sets with values. */
export function seriesOf(families: Map<string, Family>, sampleName: string): Sample[] {
  return [...families.values()].flatMap((family) => family.samples.filter((sample) => sample.name === sampleName));
}
