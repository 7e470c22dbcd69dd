import { createRequire } from "node:module";

const localRequire = createRequire(import.meta.url);

/**
 * Loads an optional peer dependency, or fails with an error that says how to
 * install it. Synchronous, so importing a subpath without its client fails at once.
 */
export function requireOptional<T>(packageName: string, subpath: string, load: (id: string) => unknown = localRequire): T {
  try {
    return load(packageName) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code !== "MODULE_NOT_FOUND") throw error;
    throw new Error(
      `${subpath} needs the optional peer dependency "${packageName}", which is not installed: run "npm install ${packageName}"`,
      {
        cause: error,
      },
    );
  }
}
