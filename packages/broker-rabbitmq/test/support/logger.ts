import type { Logger } from "@troupe/core";

/** A logger that keeps warnings and info lines for assertions. */
export function capturingLogger(): Logger & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    debug: () => {},
    info: (message) => void infos.push(message),
    warn: (message) => void warnings.push(message),
    error: (message) => void warnings.push(message),
  };
}
