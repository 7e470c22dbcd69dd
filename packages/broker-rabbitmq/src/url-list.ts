import { InvalidOption, redactUrl } from "@troupe/core";

/** A ";" that starts the next URL of a list: one inside a URL (in a password, say) is kept. */
const SEPARATOR = /;(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i;

/**
 * The URLs of the `url` option, in the order they are tried: a string is split at
 * each ";" that starts another URL, as Dramatiq's `RabbitmqBroker` splits its `url`;
 * an array (Dramatiq's list of connection parameters) is taken as it is.
 *
 * @throws InvalidOption when there is no URL, an entry is empty or not a string, or one is not `amqp://` or `amqps://`.
 */
export function amqpUrlList(url: string | readonly string[] | undefined, fallback: string): string[] {
  const entries: unknown[] = url === undefined ? [fallback] : typeof url === "string" ? url.split(SEPARATOR) : [...url];
  if (entries.length === 0) throw new InvalidOption("RabbitmqBroker needs at least one URL");
  return entries.map((entry, index) => {
    if (typeof entry !== "string") throw new InvalidOption(`RabbitmqBroker URLs are strings, got a ${typeof entry} at ${index}`);
    const trimmed = entry.trim();
    if (trimmed === "") throw new InvalidOption(`RabbitmqBroker URL ${index + 1} of ${entries.length} is empty`);
    if (!/^amqps?:\/\//i.test(trimmed)) {
      // Only the scheme is shown: a URL without one may start with its credentials.
      throw new InvalidOption(`RabbitmqBroker URLs start with amqp:// or amqps://, not "${trimmed.split(":")[0]}:"`);
    }
    return trimmed;
  });
}

/**
 * For a driver's error about `urls`: hides their passwords in the URLs it quotes
 * (`redactUrl`), and wherever a password itself appears, as typed or percent-decoded,
 * since an error may quote a piece of a URL the driver failed to parse (say, as a host).
 */
export function errorRedactor(urls: readonly string[]): (text: string) => string {
  const secrets = [...new Set(urls.flatMap(passwordsOf))].sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((redacted, secret) => redacted.split(secret).join("***"), redactUrl(text));
}

/** The password of `url` as typed and as decoded, or nothing. */
function passwordsOf(url: string): string[] {
  const typed = /^[a-z0-9+.-]+:\/\/[^:/@]*:([^/?#]*)@/i.exec(url)?.[1];
  if (!typed) return [];
  let decoded = typed;
  try {
    decoded = decodeURIComponent(typed);
  } catch {
    // A malformed escape: the password is used as typed.
  }
  return [typed, decoded];
}
