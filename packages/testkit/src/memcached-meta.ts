import { Socket } from "node:net";

/** What memcached's meta-get reports for a key (as the vectors were captured): value, client flags, TTL left in seconds. */
export function memcachedMeta(key: string): Promise<
  | {
      /** The stored value, as UTF-8 text. */
      value: string;
      /** The item's client flags (4 marks an integer for pylibmc). */
      flags: number;
      /** Seconds left to live (-1: no expiry). */
      ttl: number;
    }
  | undefined
> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let data = Buffer.alloc(0);
    socket.setTimeout(2000, () => socket.destroy(new Error("memcached meta-get timed out")));
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      const text = data.toString("latin1");
      if (text.startsWith("EN\r\n")) {
        socket.end();
        resolve(undefined);
        return;
      }
      const header = /^VA (\d+) (.*)\r\n/.exec(text);
      if (!header) return;
      const size = Number(header[1]);
      const start = header[0].length;
      if (data.length < start + size + 2) return;
      socket.end();
      const flags = Number(/\bf(\d+)/.exec(header[2])?.[1] ?? 0);
      const ttl = Number(/\bt(-?\d+)/.exec(header[2])?.[1] ?? -1);
      resolve({ value: data.subarray(start, start + size).toString("utf8"), flags, ttl });
    });
    socket.connect(11211, "127.0.0.1", () => socket.write(`mg ${key} v f t\r\n`));
  });
}
