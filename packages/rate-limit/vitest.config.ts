import { packageTestConfig } from "../../vitest.shared";

export default packageTestConfig({ services: ["redis", "memcached"] });
