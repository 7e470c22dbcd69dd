/**
 * The `troupe` command (run workers, inspect queues and dead letters) and the pieces it
 * is built from, for embedding.
 *
 * @module @troupe/cli
 */
export { type Command, parseCommandLine } from "./args.js";
export { ModuleLoadError, PidFileError } from "./errors.js";
export { ExitCode } from "./exit-codes.js";
export { importModule, type ModuleSpec, parseModuleSpec } from "./load-module.js";
export { type MainOptions, main } from "./main.js";
export { BROKER_URL_ENV, brokerForCommand, brokerFromModule, brokerFromModules, type ResolvedBroker } from "./resolve-broker.js";
export { type BlockedProcess, Watchdog } from "./watchdog.js";
