import { type Context, createContextKey, ROOT_CONTEXT } from "@opentelemetry/api";

const DELETED = Symbol("deleted");

/**
 * A context that adds one value to its parent. The API's own contexts copy a Map and make
 * three closures each; a run makes two contexts (its parent, its span), so this one is a
 * single small object, read through its parents. Contexts derived from it are of this
 * kind too; any code sees only the `Context` interface.
 */
class ChildContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly key: symbol,
    private readonly value: unknown,
  ) {}

  getValue(key: symbol): unknown {
    if (key !== this.key) return this.parent.getValue(key);
    return this.value === DELETED ? undefined : this.value;
  }

  setValue(key: symbol, value: unknown): Context {
    return new ChildContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new ChildContext(this, key, DELETED);
  }
}

/** An empty context like `ROOT_CONTEXT`, whose derived contexts are light: the start of a run's. */
export const LIGHT_ROOT: Context = new ChildContext(
  ROOT_CONTEXT,
  createContextKey("@troupe/opentelemetry light root") as symbol,
  undefined,
);
