/**
 * `RabbitmqBroker`: Troupe on RabbitMQ, with Dramatiq's queues and arguments and publisher confirms.
 *
 * @module @troupe/broker-rabbitmq
 */
export type { RabbitmqBrokerOptions } from "./options.js";
export { RabbitmqBroker } from "./rabbitmq-broker.js";
export { RabbitmqConsumer, RabbitmqDelivery } from "./rabbitmq-consumer.js";
