import { describe, expectTypeOf, it } from "vitest";
import { actor, actorRef, group, MemoryBroker, type Message, pipeline } from "../src/index.js";

const broker = new MemoryBroker();
const add = actor("add", async (x: number, y: number) => x + y, { broker });
const greet = actor("greet", (name: string) => `hello ${name}`, { broker });
const when = actor("when", (_d: Date) => 1, { broker });
interface User {
  name: string;
  tags: string[];
}
const welcome = actor("welcome", (user: User) => user.name.length, { broker });

describe("types flow end to end", () => {
  it("send and message carry the argument tuple and the awaited result", () => {
    expectTypeOf(add.send).parameters.toEqualTypeOf<[number, number]>();
    expectTypeOf(add.send(1, 2)).resolves.toEqualTypeOf<Message<[x: number, y: number], number>>();
    expectTypeOf(greet.message("ann")).toEqualTypeOf<Message<[name: string], string>>();
    expectTypeOf(welcome.send).parameters.toEqualTypeOf<[{ name: string; tags: string[] }]>();
  });

  it("getResult resolves to the actor's result type", async () => {
    const message = await add.send(1, 2);
    expectTypeOf(message.getResult()).resolves.toEqualTypeOf<number>();
  });

  it("pipeline and group results follow their steps", () => {
    expectTypeOf(pipeline([add.message(1, 2), greet.message()]).getResult()).resolves.toEqualTypeOf<string>();
    expectTypeOf(group([add.message(1, 2), greet.message("x")]).getResults()).resolves.toEqualTypeOf<[number, string]>();
  });

  it("actorRef types what it sends", () => {
    const email = actorRef<[string], void>("send_email");
    expectTypeOf(email.send).parameters.toEqualTypeOf<[string]>();
  });

  it("rejects wrong and non-JSON arguments at compile time", () => {
    // @ts-expect-error a string is not a number
    add.send(1, "2");
    // @ts-expect-error a Date is not JSON
    when.send(new Date());
    // @ts-expect-error too few arguments for send (only message() takes a prefix, for pipelines)
    add.send(1);
  });
});
