import { group, pipeline } from "@troupe/core";
import { fetchPage, makeThumbnail, parsePage, publishAlbum, resizeImage, sendEmail, storePage, validateUpload } from "./actors.js";

/** How many messages of each kind the demo sends. */
export const PLAN = { images: 500, emails: 250, uploads: 60, pages: 50, thumbnails: 39 };

/** Messages that will reach a final outcome: pipelines have three steps, the group one callback. */
export const EXPECTED_MESSAGES = PLAN.images + PLAN.emails + PLAN.uploads + 3 * PLAN.pages + PLAN.thumbnails + 1;

const range = (count: number) => Array.from({ length: count }, (_, i) => i);

/** Enqueues everything; returns one pipeline and the group, whose results the demo prints. */
export async function enqueueWorkload() {
  // Chained work first, so its later steps overlap with the bulk messages instead of trailing them.
  const crawls = range(PLAN.pages).map((i) =>
    pipeline([fetchPage.message(`https://example.com/page/${i}`), parsePage.message(), storePage.message()]),
  );
  await Promise.all(crawls.map((crawl) => crawl.run()));
  const album = group(range(PLAN.thumbnails).map((photo) => makeThumbnail.message(7, photo))).addCompletionCallback(
    publishAlbum.message(7),
  );
  await album.run();

  // sendMany: one broker round trip per batch instead of one per message.
  await resizeImage.sendMany(range(PLAN.images).map((id) => [id, 640] as [number, number]));
  await sendEmail.sendMany(range(PLAN.emails).map((i) => [`user${i}@example.com`] as [string]));
  await validateUpload.sendMany(range(PLAN.uploads).map((id) => [id] as [number]));
  return { crawl: crawls[0], album };
}
