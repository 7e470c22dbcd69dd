import type { Transport } from "./transport.js";

/**
 * Declares each canonical queue on the transport once: started when the broker
 * declares it, awaited by the first publish or reader of it. A failed declaration
 * is forgotten, so the next publish or reader tries again.
 */
export class QueueDeclarations {
  /** Per canonical queue: declared, or its declaration under way. */
  private readonly declared = new Map<string, true | Promise<void>>();

  constructor(private readonly transport: Pick<Transport<never>, "declareQueue">) {}

  /** Undefined once `canonical` is declared; else its declaration, started if need be. */
  of(canonical: string): Promise<void> | undefined {
    const state = this.declared.get(canonical);
    if (state === true) return undefined;
    if (state !== undefined) return state;
    let result: void | Promise<void>;
    try {
      result = this.transport.declareQueue?.(canonical);
    } catch (error) {
      return Promise.reject(error);
    }
    if (result === undefined) {
      this.declared.set(canonical, true);
      return undefined;
    }
    const declaring = result.then(
      () => void this.declared.set(canonical, true),
      (error) => {
        this.declared.delete(canonical);
        throw error;
      },
    );
    this.declared.set(canonical, declaring);
    return declaring;
  }
}
