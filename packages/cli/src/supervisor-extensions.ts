import type { ChildProcess } from "node:child_process";
import type { Logger } from "@troupe/core";

/** What the supervisor gives an extension. */
export interface SupervisorContext {
  /** The live worker processes (consuming, not stopping), to exchange IPC messages with. */
  workers(): ChildProcess[];
  logger: Logger;
}

export interface SupervisorExtension {
  close(): Promise<void> | void;
}

interface ExtensionModule {
  startSupervisorExtension(context: SupervisorContext, options: unknown): Promise<SupervisorExtension> | SupervisorExtension;
}

/**
 * Supervisor-side parts of middleware (e.g. one metrics server over all worker
 * processes). The supervisor imports no user code, so a worker process names the
 * module to load; each module starts once, at the first request, and stays
 * across restarts and reloads of the workers.
 */
export class SupervisorExtensions {
  private readonly started = new Map<string, Promise<SupervisorExtension | undefined>>();

  constructor(private readonly context: SupervisorContext) {}

  start(module: string, options: unknown): void {
    if (this.started.has(module)) return;
    const starting = (async () => {
      const loaded = (await import(module)) as ExtensionModule;
      return await loaded.startSupervisorExtension(this.context, options);
    })().catch((error) => {
      this.context.logger.error(`supervisor extension ${module} did not start: ${(error as Error)?.message ?? error}`);
      return undefined;
    });
    this.started.set(module, starting);
  }

  async closeAll(): Promise<void> {
    const extensions = await Promise.all(this.started.values());
    this.started.clear();
    for (const extension of extensions) {
      await Promise.resolve(extension?.close()).catch((error) =>
        this.context.logger.error(`closing a supervisor extension failed: ${error}`),
      );
    }
  }
}
