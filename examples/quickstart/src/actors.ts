import { actor } from "@troupe/core";

/** What `fetch_page` hands to `parse_page`, and `parse_page` to `store_page`. */
export interface Page {
  url: string;
  html: string;
}
export interface ParsedPage {
  url: string;
  links: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Real work takes a varying time; the spread makes the progress bar and latencies meaningful. */
const work = (minMs: number, maxMs: number) => sleep(minMs + Math.random() * (maxMs - minMs));

export const resizeImage = actor(
  "resize_image",
  async (imageId: number, width: number) => {
    await work(40, 160);
    return `image-${imageId}@${width}w.jpg`;
  },
  { queueName: "images" },
);

/** A flaky mail server: a fifth of the attempts fail, and Retries tries again after a short backoff. */
export const sendEmail = actor(
  "send_email",
  async (to: string) => {
    await work(20, 80);
    if (Math.random() < 0.2) throw new Error(`SMTP server busy while sending to ${to}`);
  },
  { queueName: "emails", maxRetries: 20, minBackoff: 20, maxBackoff: 200 },
);

/** Never retried: a corrupt upload stays corrupt, so it goes straight to the dead-letter queue. */
export const validateUpload = actor(
  "validate_upload",
  async (uploadId: number) => {
    await work(2, 10);
    if (uploadId % 15 === 0) throw new Error(`upload ${uploadId} is corrupt (deliberately, to show dead letters)`);
  },
  { maxRetries: 0 },
);

export const fetchPage = actor(
  "fetch_page",
  async (url: string): Promise<Page> => {
    await work(30, 120);
    return { url, html: `<a href="${url}/a"></a><a href="${url}/b"></a>`.repeat(1 + (url.length % 4)) };
  },
  { queueName: "crawl" },
);

// In a pipeline, the previous step's result is appended to a step's arguments:
// `parsePage.message()` is built without the page, which fetch_page's result supplies.
export const parsePage = actor(
  "parse_page",
  async (page: Page): Promise<ParsedPage> => {
    await work(2, 10);
    return { url: page.url, links: page.html.split("<a ").length - 1 };
  },
  { queueName: "crawl" },
);

export const storePage = actor(
  "store_page",
  async (parsed: ParsedPage) => {
    await work(5, 20);
    return `stored ${parsed.url} (${parsed.links} links)`;
  },
  { queueName: "crawl", storeResults: true },
);

export const makeThumbnail = actor(
  "make_thumbnail",
  async (albumId: number, photo: number) => {
    await work(30, 100);
    return `album-${albumId}/thumb-${photo}.jpg`;
  },
  { queueName: "images", storeResults: true },
);

/** The group's completion callback: runs once, after every thumbnail of the album is made. */
export const publishAlbum = actor(
  "publish_album",
  async (albumId: number) => {
    await work(5, 10);
    return `album ${albumId} published`;
  },
  { queueName: "images" },
);
