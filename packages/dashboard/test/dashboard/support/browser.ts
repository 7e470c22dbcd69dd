import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually } from "@troupe/testkit";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium: `apt-get install -y chromium` (`.ci/run` installs it when missing). */
export const CHROMIUM = process.env.TROUPE_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"];

/** Screenshots land here, one per page the tests visit (gitignored; CI may keep them). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "artifacts");

/** A page in a browser with a fresh profile of its own, and what it saw: dialogs and console errors. */
export interface OpenBrowser {
  page: Page;
  context: BrowserContext;
  dialogs: string[];
  errors: string[];
  close(): Promise<void>;
}

/** Starts Chromium with a fresh user data dir and opens one page. */
export async function openBrowser(): Promise<OpenBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "troupe-dashboard-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 720 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return {
    page,
    context,
    dialogs,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as `test/artifacts/NAME.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Waits until the first element matching `selector` has exactly `text` (trimmed). */
export async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await eventually(
    async () =>
      (
        (await page
          .locator(selector)
          .first()
          .textContent({ timeout: 1_000 })
          .catch(() => null)) ?? ""
      ).trim() === text,
    `${selector} reads "${text}"`,
    30_000,
  );
}

/** Waits until `selector` matches exactly `count` elements. */
export async function waitForCount(page: Page, selector: string, count: number): Promise<void> {
  await eventually(async () => (await page.locator(selector).count()) === count, `${count} × ${selector}`, 30_000);
}
