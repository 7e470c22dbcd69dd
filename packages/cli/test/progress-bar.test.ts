import { describe, expect, it } from "vitest";
import { ProgressBar } from "../src/progress-bar.js";

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) } as unknown as NodeJS.WriteStream };
}

describe("ProgressBar", () => {
  it("draws a bar with the count and percentage on a terminal, and clears it at the end", () => {
    const tty = stream(true);
    const bar = new ProgressBar(tty.stream, "requeueing q", 200);
    bar.update(200);
    bar.finish();
    expect(tty.writes).toEqual([`\rrequeueing q [${"#".repeat(30)}] 200/200 100%`, "\r\x1b[2K"]);
  });

  it("draws nothing when the stream is not a terminal", () => {
    const pipe = stream(false);
    const bar = new ProgressBar(pipe.stream, "requeueing q", 200);
    bar.update(100);
    bar.finish();
    expect(pipe.writes).toEqual([]);
  });
});
