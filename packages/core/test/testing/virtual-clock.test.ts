import { VirtualClock } from "@troupe/core/testing";
import { describe, expect, it } from "vitest";

describe("VirtualClock", () => {
  it("starts where it is told, and moves only when advanced", async () => {
    const clock = new VirtualClock(1_000);
    expect(clock.now()).toBe(1_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it("fires the timers due on the way in due order, each at its due time, those set equal in the order set", () => {
    const clock = new VirtualClock(0);
    const fired: [string, number][] = [];
    const mark = (name: string) => () => void fired.push([name, clock.now()]);
    clock.setTimeout(mark("c"), 300);
    clock.setTimeout(mark("a"), 100);
    clock.setTimeout(mark("b1"), 200);
    clock.setTimeout(mark("b2"), 200);
    clock.setTimeout(mark("late"), 1_000);
    clock.advance(500);
    expect(fired).toEqual([
      ["a", 100],
      ["b1", 200],
      ["b2", 200],
      ["c", 300],
    ]);
    expect(clock.now()).toBe(500);
    expect(clock.pendingTimers).toBe(1);
  });

  it("fires within the same advance a timer that a firing timer sets", () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 50);
    }, 100);
    clock.setTimeout(() => fired.push(clock.now()), 120);
    clock.advance(1_000);
    expect(fired).toEqual([100, 120, 150]);
  });

  it("cancels a timer with clearTimeout", () => {
    const clock = new VirtualClock(0);
    let fired = false;
    const timer = clock.setTimeout(() => {
      fired = true;
    }, 10);
    clock.clearTimeout(timer);
    clock.clearTimeout(undefined);
    clock.advance(100);
    expect(fired).toBe(false);
  });

  it("fires a timer already due on the next turn of the event loop, without moving the time", async () => {
    const clock = new VirtualClock(5_000);
    const fired = new Promise<number>((resolve) => clock.setTimeout(() => resolve(clock.now()), 0));
    expect(await fired).toBe(5_000);
  });

  it("reports the next timer, leaving out unref'd ones unless asked", () => {
    const clock = new VirtualClock(0);
    expect(clock.nextTimerAt()).toBeUndefined();
    clock.setTimeout(() => {}, 100).unref();
    clock.setTimeout(() => {}, Number.POSITIVE_INFINITY);
    // A timer that never comes due is none to move the time to.
    expect(clock.nextTimerAt()).toBeUndefined();
    clock.setTimeout(() => {}, 200);
    expect(clock.nextTimerAt()).toBe(200);
    expect(clock.nextTimerAt({ includeUnref: true })).toBe(100);
  });
});
