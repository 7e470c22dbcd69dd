import { execFile, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const peer = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "dramatiq_peer.py");

/**
 * The first Python that can import pika, and redis for the peer's results and barriers
 * (Debian's python3-pika and python3-redis live in /usr/bin/python3).
 */
export function findPython(): string {
  const candidates = [process.env.TROUPE_PYTHON, "python3", "/usr/bin/python3"].filter((c): c is string => !!c);
  const found = candidates.find((python) => spawnSync(python, ["-c", "import pika, redis"]).status === 0);
  if (!found)
    throw new Error("Python with pika and redis not found: run `apt-get install -y python3-pika python3-redis` (or set TROUPE_PYTHON)");
  return found;
}

/** Runs the Python peer (fixtures/dramatiq_peer.py) and parses its JSON answer. */
export function runPeer<T>(python: string, args: string[], stdin?: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(python, [peer, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`dramatiq_peer.py ${args[0]} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as T);
    });
    child.stdin?.end(stdin ?? "");
  });
}
