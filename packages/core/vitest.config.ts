import { packageTestConfig } from "../../vitest.shared.ts";

// Redis for the tests of the Redis connection factory (core itself loads no Redis driver).
export default packageTestConfig({ services: ["redis"] });
