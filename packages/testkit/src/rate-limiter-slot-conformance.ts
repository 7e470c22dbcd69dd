import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import type { RateLimiterBackend } from "@troupe/core";
import { expect, it } from "vitest";

/** How the slot tests reach the backend under test (see `rateLimiterBackendConformance`). */
export interface SlotConformanceContext {
  open(): Promise<RateLimiterBackend>;
  key(label: string): string;
  /** A module exporting a backend factory, for the test whose holder is a real process killed with SIGKILL. */
  processes?: { module: string; exportName: string };
}

// Short enough for a test, long enough that a busy machine's scheduling noise stays well inside it.
const SLOT_TTL = 2000;
/** How late after its TTL a dead holder's slot may come back: the next acquisition after the deadline frees it. */
const RETURN_MARGIN = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Other holders keep acquiring and releasing without pause (the traffic that used to
 * keep a leaked slot alive forever) until two of them hold slots at once beside the
 * dead holder's, which a limit of 2 allows only once the dead one's slot was freed.
 * Resolves with when that happened.
 */
async function churnUntilFreed(backend: RateLimiterBackend, key: string, giveUpAt: number): Promise<number> {
  while (Date.now() < giveUpAt) {
    const [a, b] = [randomUUID(), randomUUID()];
    const first = await backend.acquireSlot?.(key, a, 2, SLOT_TTL);
    const second = first ? await backend.acquireSlot?.(key, b, 2, SLOT_TTL) : false;
    const at = Date.now();
    if (second) await backend.releaseSlot?.(key, b, SLOT_TTL);
    if (first) await backend.releaseSlot?.(key, a, SLOT_TTL);
    if (second) return at;
    await sleep(10);
  }
  throw new Error("the dead holder's slot never came back");
}

/** The per-holder expiry tests, for backends that implement `acquireSlot` / `releaseSlot`. */
export function slotExpiryConformance(context: SlotConformanceContext): void {
  it("acquireSlot takes up to the limit, releaseSlot gives back, and the counter holds the holder count", async () => {
    const backend = await context.open();
    const k = context.key("slots");
    expect(await backend.acquireSlot?.(k, "a", 2, 30_000)).toBe(true);
    expect(await backend.acquireSlot?.(k, "b", 2, 30_000)).toBe(true);
    expect(await backend.acquireSlot?.(k, "c", 2, 30_000)).toBe(false);
    expect(await backend.releaseSlot?.(k, "a", 30_000)).toBe(true);
    expect(await backend.releaseSlot?.(k, "a", 30_000)).toBe(false);
    // The counter is what a Python Dramatiq limiter reads: one holder left, so room for 2 more under a limit of 3.
    expect(await backend.incr(k, 2, 3, 30_000)).toBe(true);
    expect(await backend.incr(k, 1, 3, 30_000)).toBe(false);
  });

  it("a holder that never releases loses its slot within its TTL while others keep acquiring and releasing", async () => {
    const backend = await context.open();
    const k = context.key("dead-holder");
    const acquiredAt = Date.now();
    expect(await backend.acquireSlot?.(k, "dead", 2, SLOT_TTL)).toBe(true);
    const freedAt = await churnUntilFreed(backend, k, acquiredAt + SLOT_TTL + RETURN_MARGIN * 4);
    // Never before its TTL (a live holder keeps its slot that long), and soon after it.
    expect(freedAt - acquiredAt).toBeGreaterThanOrEqual(SLOT_TTL - 50);
    expect(freedAt - acquiredAt).toBeLessThanOrEqual(SLOT_TTL + RETURN_MARGIN);
    // Its late release gives nothing back twice: two live holders still fill the limit.
    expect(await backend.acquireSlot?.(k, "x", 2, 30_000)).toBe(true);
    expect(await backend.acquireSlot?.(k, "y", 2, 30_000)).toBe(true);
    expect(await backend.releaseSlot?.(k, "dead", SLOT_TTL)).toBe(false);
    expect(await backend.acquireSlot?.(k, "z", 2, 30_000)).toBe(false);
  });

  const processes = context.processes;
  if (!processes) return;
  it("the slot of a holder process killed with SIGKILL comes back within its TTL under continuous use", { timeout: 60_000 }, async () => {
    const backend = await context.open();
    const k = context.key("killed-holder");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", HOLDER, processes.module, processes.exportName, k],
      {
        cwd: dirname(processes.module),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      let output = "";
      const acquiredAt = await new Promise<number>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk;
          const held = /^held (\d+)$/m.exec(output);
          if (held) resolve(Number(held[1]));
        });
        child.stderr.on("data", (chunk: Buffer) => {
          output += chunk;
        });
        child.once("exit", () => reject(new Error(`the holder exited before it held a slot: ${output}`)));
      });
      const killed = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await killed;
      const freedAt = await churnUntilFreed(backend, k, acquiredAt + SLOT_TTL + RETURN_MARGIN * 4);
      expect(freedAt - acquiredAt).toBeLessThanOrEqual(SLOT_TTL + RETURN_MARGIN);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
}

// Takes a slot, says when, and holds it until killed (it never releases).
const HOLDER = `
const [modulePath, exportName, key] = process.argv.slice(1);
const mod = await import(modulePath);
const backend = await (mod[exportName] ?? mod.default?.[exportName])();
if (!(await backend.acquireSlot(key, "killed-" + process.pid, 2, ${SLOT_TTL}))) throw new Error("no slot");
process.stdout.write("held " + Date.now() + "\\n");
setInterval(() => {}, 60000);
`;
