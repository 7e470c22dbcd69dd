/**
 * `pnpm demo`: about a thousand messages through plain actors, retries, dead letters,
 * a pipeline and a group, on one in-process worker, with live progress and a summary.
 * Uses the broker of `TROUPE_BROKER_URL` when set, else the in-memory broker.
 */
import {
  type Broker,
  brokerFromUrl,
  GroupCallbacks,
  MemoryBroker,
  MemoryRateLimiterBackend,
  MemoryResultBackend,
  Results,
  redactUrl,
  setBroker,
  Worker,
} from "@troupe/core";
import { progressLogger } from "./logger.js";
import { ProgressBar } from "./progress-bar.js";
import { Stats } from "./stats-middleware.js";
import { summaryTable } from "./summary.js";
import { EXPECTED_MESSAGES, enqueueWorkload } from "./workload.js";

const DEADLINE_MS = 45_000;

const startedAt = performance.now();
const stats = new Stats();
const progress = new ProgressBar(EXPECTED_MESSAGES, () => stats.finished);
const logger = progressLogger(progress);
const url = process.env.TROUPE_BROKER_URL;
const broker: Broker = url ? await brokerFromUrl(url, { logger }) : new MemoryBroker({ logger });

// Middleware goes on before setBroker: that binds the actors, and their options
// (storeResults) are checked against the middleware present then.
broker.addMiddleware(new Results({ backend: new MemoryResultBackend() }));
broker.addMiddleware(new GroupCallbacks({ backend: new MemoryRateLimiterBackend() }));
broker.addMiddleware(stats);
setBroker(broker);

// A real broker may still hold messages of an interrupted run; they would skew the counts.
if (url) for (const queueName of broker.getDeclaredQueues()) await broker.flush(queueName);

const worker = new Worker(broker, { concurrency: 50 });
await worker.start();
console.error(
  `troupe demo: ${EXPECTED_MESSAGES} messages, ${url ? `broker ${redactUrl(url)}` : "in-memory broker"}, concurrency ${worker.concurrency}`,
);
progress.start();

const { crawl, album } = await enqueueWorkload();
let deadline: NodeJS.Timeout | undefined;
const finished = await Promise.race([
  stats.until(EXPECTED_MESSAGES).then(() => true),
  new Promise<false>((resolve) => {
    deadline = setTimeout(() => resolve(false), DEADLINE_MS);
  }),
]);
clearTimeout(deadline);
progress.stop();

if (!finished) {
  console.error(`troupe demo: only ${stats.finished} of ${EXPECTED_MESSAGES} messages finished within ${DEADLINE_MS / 1000} s`);
  process.exit(1);
}

const elapsed = performance.now() - startedAt;
const crawled = await crawl.getResult({ block: true, timeout: 5_000 });
const thumbnails = await album.getResults({ block: true, timeout: 5_000 });
await worker.stop();
await broker.close();

console.log(`\n${summaryTable(stats.byActor, elapsed)}\n`);
console.log(`pipeline fetch_page → parse_page → store_page, first result: ${crawled}`);
console.log(`group of ${thumbnails.length} make_thumbnail: ${thumbnails.slice(0, 2).join(", ")}, …; publish_album ran on completion`);

// Everything is closed, so the process should exit by itself; if a handle still holds
// it open, say so (that is a bug to chase) rather than hang.
setTimeout(() => {
  console.error("troupe demo: something still holds the event loop open; exiting anyway");
  process.exit(0);
}, 2_000).unref();
