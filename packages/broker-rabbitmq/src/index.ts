/**
 * `RabbitmqBroker`: Troupe on RabbitMQ, with Dramatiq's queues and arguments and publisher confirms.
 * `RabbitmqTransport` is the transport it runs on, for `TransportBroker` and conformance tests.
 *
 * @module @troupe/broker-rabbitmq
 */
export type { RabbitmqBrokerOptions, RabbitmqTransportOptions } from "./options.js";
export { RabbitmqBroker } from "./rabbitmq-broker.js";
export type { RabbitmqHandle } from "./rabbitmq-reader.js";
export { RabbitmqTransport } from "./rabbitmq-transport.js";
