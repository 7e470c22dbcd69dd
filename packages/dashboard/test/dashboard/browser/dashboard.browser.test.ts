import { actor, uuid4 } from "@troupe/core";
import { eventually } from "@troupe/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { type OpenBrowser, openBrowser, screenshot, waitForCount, waitForText } from "../support/browser.js";
import { type RedisDashboard, redisDashboard } from "../support/environment.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the dashboard in Chromium", { timeout: 90_000 }, () => {
  const cleanup: (() => Promise<void>)[] = [];
  const open = async (...args: Parameters<typeof redisDashboard>): Promise<{ env: RedisDashboard; browser: OpenBrowser }> => {
    const env = await redisDashboard(...args);
    cleanup.push(() => env.close());
    const browser = await openBrowser();
    cleanup.push(() => browser.close());
    return { env, browser };
  };
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("shows the queue counts of a real Redis moving under live traffic, without a reload", async () => {
    const { env, browser } = await open();
    const tick = actor("tick", async (n: number) => void (await sleep(n % 7)), { broker: env.broker, queueName: "dash" });
    await tick.sendMany(Array.from({ length: 300 }, (_, i) => [i]));
    const { page } = browser;
    await page.goto(`${env.base}`);
    const ready = page.locator('tr[data-queue="dash"] td[data-stat="ready"]');
    expect(await ready.textContent()).toBe("300");
    const loaded = await page.evaluate(() => performance.timeOrigin);

    await env.startWorker();
    // Live traffic while the page watches: bounded, it stops by itself.
    let sending = true;
    const traffic = (async () => {
      for (let round = 0; round < 50 && sending; round++) {
        await tick.sendMany(Array.from({ length: 10 }, (_, i) => [i]));
        await sleep(50);
      }
    })();
    await eventually(async () => (await ready.textContent()) !== "300", "the ready count changed on the page");
    sending = false;
    await traffic;
    expect(await page.evaluate(() => performance.timeOrigin)).toBe(loaded);
    expect(await page.locator("#queue-counts").getAttribute("data-refreshed")).not.toBeNull();
    await env.broker.join("dash");
    await waitForText(page, 'tr[data-queue="dash"] td[data-stat="ready"]', "0");

    // Reloaded, the charts show the actor's runs from the status store.
    await eventually(async () => (await env.store.actorStats()).actors.some((a) => a.total.processed >= 300), "the stats counted the runs");
    await page.reload();
    await waitForCount(page, 'figure[data-actor="tick"] svg.chart', 2);
    // The throughput axis label is whole and inside its image: "100 msg/s" once lost its first digits and read "0 msg/s".
    const label = (await page.evaluate(`(() => {
      const tick = document.querySelector('figure[data-actor="tick"] svg.chart text.tick');
      return { text: tick.textContent, left: tick.getBBox().x };
    })()`)) as { text: string; left: number };
    expect(label.text).toMatch(/^[1-9][\d.]* msg\/s$/);
    expect(label.left).toBeGreaterThanOrEqual(0);
    await screenshot(page, "queues");
    expect(browser.errors).toEqual([]);
  });

  it("finds a message by id and opens its page with timeline, arguments and result, for a Python producer's message too", async () => {
    const { env, browser } = await open();
    const add = actor("add", (a: number, b: number) => a + b, { broker: env.broker, queueName: "dash", storeResults: true });
    await env.startWorker();
    const sent = await add.send(20, 22);
    await eventually(async () => (await env.store.get(sent.messageId))?.state === "succeeded", "the message succeeded");

    const { page } = browser;
    await page.goto(`${env.base}search`);
    await page.fill('input[name="id"]', sent.messageId);
    await page.click('form.by-id button[type="submit"]');
    await page.waitForURL(`**/messages/${sent.messageId}`);
    await waitForText(page, ".summary [data-state]", "succeeded");
    expect(await page.locator("ol.timeline li").allTextContents()).toEqual([
      expect.stringContaining("queued"),
      expect.stringContaining("running"),
      expect.stringContaining("succeeded"),
    ]);
    expect(await page.locator("pre.args").textContent()).toBe("[\n  20,\n  22\n]");
    expect(await page.locator("pre.result").textContent()).toBe("42");
    await screenshot(page, "message");

    // A Dramatiq producer writes the message straight into Redis: no record until a Troupe worker runs it.
    const pythonId = uuid4();
    const raw = JSON.stringify({
      queue_name: "dash",
      actor_name: "add",
      args: [1, 2],
      kwargs: {},
      options: { redis_message_id: pythonId },
      message_id: pythonId,
      message_timestamp: Date.now(),
    });
    await env.admin.hset(`${env.namespace}:dash.msgs`, pythonId, raw);
    await env.admin.rpush(`${env.namespace}:dash`, pythonId);
    await eventually(async () => (await env.store.get(pythonId))?.state === "succeeded", "the Python producer's message succeeded");
    await page.goto(`${env.base}search`);
    await page.fill('input[name="id"]', pythonId);
    await page.click('form.by-id button[type="submit"]');
    await page.waitForURL(`**/messages/${pythonId}`);
    await waitForText(page, ".summary [data-state]", "succeeded");
    expect(await page.locator("pre.args").textContent()).toBe("[\n  1,\n  2\n]");
    expect(await page.locator("pre.result").textContent()).toBe("3");

    await page.goto(`${env.base}search?actor=add`);
    await waitForCount(page, "table.records tbody tr", 2);
    await screenshot(page, "search");
  });

  it("requeues a dead letter in bulk with a progress display and sees it processed", async () => {
    const { env, browser } = await open();
    let healthy = false;
    const flaky = actor(
      "flaky",
      () => {
        if (!healthy) throw new Error("downstream is down");
      },
      { broker: env.broker, queueName: "dash", maxRetries: 0 },
    );
    await env.startWorker();
    const sent = await flaky.send();
    await eventually(async () => (await env.broker.queueStats("dash")).deadLetters === 1, "the message was dead-lettered");
    await eventually(async () => (await env.store.get(sent.messageId))?.state === "dead-lettered", "its record says so");
    healthy = true;

    const { page } = browser;
    await page.goto(`${env.base}dead-letters?queue=dash`);
    await waitForCount(page, `tr[data-dead-letter="${sent.messageId}"]`, 1);
    await screenshot(page, "dead-letters");
    await page.check('input[name="queues"][value="dash"]');
    await page.click('button[data-bulk-action="requeue"]');
    await waitForText(page, "#bulk-status", "Requeued 1 of 1. Done.");
    expect(await page.locator("#bulk-progress").getAttribute("hidden")).toBeNull();
    await eventually(async () => (await env.store.get(sent.messageId))?.state === "succeeded", "the requeued message succeeded");
    await page.goto(`${env.base}messages/${sent.messageId}`);
    await waitForText(page, ".summary [data-state]", "succeeded");
    expect(await page.locator("ol.timeline").textContent()).toContain("downstream is down");
    expect((await env.broker.queueStats("dash")).deadLetters).toBe(0);
  });

  it("pauses a queue across workers, so processing stops, and resumes it", async () => {
    const { env, browser } = await open();
    const ran: number[] = [];
    const work = actor("work", (n: number) => void ran.push(n), { broker: env.broker, queueName: "dash" });
    let reads = 0;
    const read = env.broker.pausedQueues.bind(env.broker);
    // Counts the worker's reads of the paused set, to know it has looked (the set itself is real Redis).
    env.broker.pausedQueues = () => {
      reads++;
      return read();
    };
    await env.startWorker();
    await work.send(1);
    await eventually(() => ran.length === 1, "a message ran before the pause");

    const { page } = browser;
    await page.goto(`${env.base}`);
    await page.click('tr[data-queue="dash"] button[data-action="pause"]');
    await waitForText(page, 'tr[data-queue="dash"] td[data-stat="state"]', "paused");
    const before = reads;
    await eventually(() => reads >= before + 2, "the worker looked at the paused set");
    await work.sendMany([[2], [3], [4]]);
    const after = reads;
    await eventually(() => reads >= after + 2, "the worker looked twice more");
    expect(ran).toEqual([1]);
    await waitForText(page, 'tr[data-queue="dash"] td[data-stat="ready"]', "3");
    await screenshot(page, "paused");

    await page.click('tr[data-queue="dash"] button[data-action="resume"]');
    await waitForText(page, 'tr[data-queue="dash"] td[data-stat="state"]', "running");
    await eventually(() => ran.length === 4, "the waiting messages ran after resume");
  });

  it("logs in with the token", async () => {
    const token = `token-${uuid4()}`;
    const { env, browser } = await open({ auth: { token } });
    actor("noop", () => {}, { broker: env.broker, queueName: "dash" });
    const { page } = browser;
    await page.goto(`${env.base}workers`);
    await page.waitForURL("**/login?next=%2Fworkers");
    await page.fill('input[name="token"]', "wrong");
    await page.click('button[type="submit"]');
    await waitForText(page, '[role="alert"]', "Wrong token.");
    await screenshot(page, "login");
    await page.fill('input[name="token"]', token);
    await page.click('button[type="submit"]');
    await page.waitForURL("**/workers");
    await waitForText(page, "h1", "Workers");
    await screenshot(page, "workers");
    await page.click(".logout button");
    await page.waitForURL("**/login");
  });

  it("keeps XSS payloads in arguments inert: no dialog, no injected element", async () => {
    const { env, browser } = await open();
    const payloads = ["<script>alert('xss')</script>", '"><img src=x onerror=alert(1)>', "<svg onload=alert(2)>"];
    const echo = actor("echo", (..._args: string[]) => {}, { broker: env.broker, queueName: "dash", maxRetries: 0 });
    await env.startWorker();
    const sent = await echo.send(...payloads);
    await eventually(async () => (await env.store.get(sent.messageId))?.state === "succeeded", "the message ran");

    const { page } = browser;
    for (const path of [`messages/${sent.messageId}`, "search?actor=echo"]) {
      await page.goto(`${env.base}${path}`);
      await page.waitForLoadState("load");
      const injected = {
        images: await page.locator("img").count(),
        svgs: await page.locator("svg[onload]").count(),
        scripts: await page.locator("script").evaluateAll((scripts) => scripts.map((script) => script.getAttribute("src"))),
      };
      expect(injected).toEqual({ images: 0, svgs: 0, scripts: [expect.stringMatching(/assets\/dashboard\.js$/)] });
    }
    await page.goto(`${env.base}messages/${sent.messageId}`);
    expect(await page.locator("pre.args").textContent()).toContain("<script>alert('xss')</script>");
    await screenshot(page, "xss");
    expect(browser.dialogs).toEqual([]);
  });
});
