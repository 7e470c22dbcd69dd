import { brokerConformance } from "@troupe/testkit";
import { rabbitmqTarget } from "./support/rabbitmq-target.js";

brokerConformance(rabbitmqTarget);
