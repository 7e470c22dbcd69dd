import { type Broker, brokerFromUrl } from "@troupe/core";

/** A broker for a URL, its adapter package looked up from the user's project (`searchFrom`) first. */
export function brokerForUrl(url: string, searchFrom: readonly string[]): Promise<Broker> {
  return brokerFromUrl(url, {}, { searchFrom });
}
