import { brokerConformance } from "@troupe/testkit";
import { redisTarget } from "./helpers.js";

brokerConformance(redisTarget());
