/** A JSON scalar. Numbers must be finite; integers above 2^53 lose precision. */
export type JsonPrimitive = string | number | boolean | null;
/** Any value JSON carries unchanged: what message arguments and results may be. */
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
/** A plain JSON object, as `kwargs` are. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Compile-time check that `T` is JSON-serialisable: functions, `undefined`,
 * bigint, symbols, Dates, Maps and class instances with methods map to `never`.
 */
export type Jsonable<T> = [T] extends [JsonValue]
  ? T
  : T extends JsonPrimitive
    ? T
    : T extends bigint | symbol | undefined | ((...args: never[]) => unknown) | Date | Map<unknown, unknown> | Set<unknown>
      ? never
      : T extends readonly (infer U)[]
        ? T extends readonly unknown[]
          ? { [K in keyof T]: Jsonable<T[K]> }
          : Jsonable<U>[]
        : T extends object
          ? { [K in keyof T]: Jsonable<T[K]> }
          : never;

function describe(path: string): string {
  return path === "" ? "the value" : path;
}

/**
 * Throws a TypeError naming the first part of `value` that JSON cannot carry
 * faithfully. Runs before anything reaches the broker.
 */
export function assertJson(value: unknown, path = "", seen: Set<object> = new Set()): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`${describe(path)} is ${value}, which JSON cannot carry`);
      return;
    case "undefined":
      throw new TypeError(`${describe(path)} is undefined, which JSON cannot carry: use null`);
    case "bigint":
      throw new TypeError(`${describe(path)} is a BigInt, which JSON cannot carry: send it as a string`);
    case "function":
    case "symbol":
      throw new TypeError(`${describe(path)} is a ${typeof value}, which JSON cannot carry`);
  }
  if (value === null) return;
  const object = value as object;
  if (seen.has(object)) throw new TypeError(`${describe(path)} is a circular reference, which JSON cannot carry`);
  seen.add(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) assertJson(object[i], `${path}[${i}]`, seen);
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const name = (object as { constructor?: { name?: string } }).constructor?.name ?? "an object";
      throw new TypeError(`${describe(path)} is a ${name} instance, which JSON cannot carry faithfully: send a plain object`);
    }
    for (const key of Object.keys(object)) {
      assertJson((object as Record<string, unknown>)[key], path === "" ? key : `${path}.${key}`, seen);
    }
  }
  seen.delete(object);
}
