/**
 * `ipcat/sock`: the routed, multiplexed ipcat socket protocol as a library (seed 004's
 * daemon and SDK), and raw socat-style relays. Runs unchanged under Bun and Deno.
 *
 * A server registers services by name; a client opens channels to them. Each channel is
 * an object to send on, an async iterator of incoming messages, and a promise (`done`)
 * that settles with the END code, `disconnected` when the connection drops.
 *
 * @example
 * ```ts ignore
 * import { connect, echoService, serve } from "./mod.ts";
 * const server = await serve("/tmp/echo.sock", { services: { "ipcat.echo": echoService } });
 * const client = await connect("/tmp/echo.sock");
 * const channel = client.open("ipcat.echo", "ping");
 * await channel.send("pong");
 * channel.closeWrite();
 * for await (const data of channel) console.log(new TextDecoder().decode(data)); // ping, pong
 * console.log((await channel.done).name); // ok
 * client.close();
 * await server.close();
 * ```
 *
 * @module
 */
export {
  connect,
  type ConnectOptions,
  dialWithWait,
  type SockClient,
  waitForSocket,
} from "./client.ts";
export {
  type ClientContext,
  serve,
  serveListener,
  type ServeOptions,
  type ServePathOptions,
  type Service,
  type SockServer,
} from "./server.ts";
export { Channel, type ChannelEnd } from "./channel.ts";
export type { ChannelReport, ServerHooks } from "./hooks.ts";
export {
  connectReconnecting,
  type ReconnectingClient,
  type ReconnectOptions,
} from "./reconnect.ts";
export {
  echoService,
  EXEC_STREAMS,
  type ExecExit,
  ExecExitSchema,
  type ExecOptions,
  type ExecRequest,
  ExecRequestSchema,
  execService,
  exitStatusOf,
  ServicesReplySchema,
} from "./services.ts";
export {
  introspect,
  type Introspection,
  ServicesDefinition,
  servicesService,
} from "./typed/catalog.ts";
export {
  definitionOf,
  describeDefinition,
  describeServices,
  IntrospectionSchema,
  jsonSchemaOf,
  type ServiceDescription,
  ServiceDescriptionSchema,
} from "./typed/introspection.ts";
export {
  type AnySchema,
  Bytes,
  defineService,
  type InputOf,
  type OutputOf,
  type ServiceDefinition,
  ServiceError,
  type ServiceSchemas,
} from "./typed/definition.ts";
export { type CallContext, type Handler, implement } from "./typed/implement.ts";
export { call, type CallOptions, stream, TypedCall } from "./typed/call.ts";
export {
  defineTopic,
  type OverflowPolicy,
  subscribe,
  SubscribeDefinition,
  type TopicDefinition,
  type TopicEvent,
  TopicHub,
} from "./typed/pubsub.ts";
export { type RawServeOptions, type RawServer, relay, serveRaw } from "./raw.ts";
export {
  DEFAULT_MAX_PAYLOAD,
  serviceId,
  STATUS_CODES,
  type StatusName,
  statusName,
} from "../framing/sock.ts";
