import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The protocol vectors captured from Dramatiq 2.2, in ../shared beside the repository. */
const VECTORS = join(import.meta.dirname, "..", "..", "..", "..", "shared", "protocol-vectors");

export interface MessageVector {
  name: string;
  description: string;
  queue_key: string;
  raw: string;
}

export function loadVector<T>(file: string): T {
  return JSON.parse(readFileSync(join(VECTORS, file), "utf8")) as T;
}
