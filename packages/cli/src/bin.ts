#!/usr/bin/env node
import { WORKER_CONFIG_ENV, type WorkerProcessConfig } from "./ipc.js";
import { main } from "./main.js";
import { runWorkerProcess } from "./worker-process.js";

// The supervisor forks this same file; the environment tells a worker process apart.
const workerConfig = process.env[WORKER_CONFIG_ENV];
if (workerConfig) {
  void runWorkerProcess(JSON.parse(workerConfig) as WorkerProcessConfig);
} else {
  main(process.argv.slice(2), { workerEntry: process.argv[1] }).then((code) => process.exit(code));
}
