import { packageTestConfig } from "../../vitest.shared.ts";

export default packageTestConfig({ timeout: 60_000 });
