import { randomUUID } from "node:crypto";
import type { Logger } from "@troupe/core";

/** A logger that keeps the expected failures of a workload out of the test output. */
export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export const uniqueQueue = (name: string) => `${name}-${randomUUID()}`;

/** Fetches `/metrics` once; returns the response's content type and body. */
export async function scrape(url: string): Promise<{ status: number; contentType: string | null; body: string }> {
  const response = await fetch(url);
  return { status: response.status, contentType: response.headers.get("content-type"), body: await response.text() };
}

/** Polls until `check` holds; the test's own timeout bounds it. */
export async function until(check: () => Promise<boolean> | boolean, interval = 25): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, interval));
}
