import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";

/** The V8 call sites above `below` (which is left out with everything it called). */
function callSites(below: (...args: never[]) => unknown): NodeJS.CallSite[] {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 32;
    Error.prepareStackTrace = (_error, sites) => sites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, below);
    return Array.isArray(holder.stack) ? (holder.stack as NodeJS.CallSite[]) : [];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/** A call site's file as a URL: ES modules report one, CommonJS an absolute path. */
function fileUrl(site: NodeJS.CallSite): string | undefined {
  const name = site.getFileName();
  if (!name || name.startsWith("node:")) return undefined;
  if (name.startsWith("file:")) return name;
  return isAbsolute(name) ? pathToFileURL(name).href : undefined;
}

/**
 * The URL of the module that declares an actor, read from the call stack: the first file
 * that is not the one calling this (core's actor code, bundled or not). Undefined when the
 * stack names no such file, e.g. code run from `eval` or a REPL.
 */
export function declaringModule(): string | undefined {
  const sites = callSites(declaringModule);
  const own = sites[0] ? fileUrl(sites[0]) : undefined;
  for (const site of sites.slice(1)) {
    const url = fileUrl(site);
    if (url && url !== own) return url;
  }
  return undefined;
}
