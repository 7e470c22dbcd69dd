export type { RabbitmqBrokerOptions } from "./options.js";
export { RabbitmqBroker } from "./rabbitmq-broker.js";
export { RabbitmqConsumer, RabbitmqDelivery } from "./rabbitmq-consumer.js";
