/**
 * POSIX message queues and the AppScope/AppView request protocol, as a library.
 *
 * - {@link openQueue}: a typed queue descriptor (`trySend`/`send`, `tryReceive`/`receive`,
 *   `attributes`), with kernel errors as one-line {@link IpcatError}s.
 * - {@link request}: the client role, one framed JSON request to a process running libscope,
 *   the AppView library or `ipcat mq serve`.
 * - {@link serveRequests}: the server role, answering as the real library does.
 *
 * @example
 * ```ts
 * import { openQueue, request, serveRequests } from "ipcat/mq";
 *
 * const jobs = openQueue("/jobs", { create: true, maxmsg: 10, msgsize: 1024 });
 * await jobs.send(new TextEncoder().encode("build #42"), 5);
 * const { data, priority } = await jobs.receive({ timeoutMs: 1000 });
 * console.log(priority, new TextDecoder().decode(data));
 * jobs.close();
 * jobs.unlink();
 *
 * const stop = new AbortController();
 * const serving = serveRequests({ pid: 4242, signal: stop.signal });
 * const queues = { inQueue: "/ScopeIPCIn.4242", outQueue: "/ScopeIPCOut.4242" };
 * console.log((await request({ req: 1 }, queues)).json); // { status: 200, scoped: true }
 * stop.abort();
 * await serving;
 * ```
 *
 * @module
 */
export { IpcatError } from "../errors.ts";
export {
  DEFAULT_MAXMSG,
  DEFAULT_MSGSIZE,
  encodeErrorResponse,
  encodeRequest,
  encodeResponse,
  MAX_REQUEST_BYTES,
  RequestAssembler,
  type RequestMeta,
  type RequestStep,
  ResponseAssembler,
  type ResponseMeta,
} from "../framing/mq.ts";
export { listQueues, type QueueInfo, statQueue } from "./admin.ts";
export {
  DEFAULT_REQUEST_TIMEOUT_MS,
  request,
  type RequestOptions,
  type RequestResult,
} from "./client.ts";
export {
  type Flavor,
  queueNames,
  requestNames,
  type RequestPayload,
  REQUESTS,
} from "./protocol.ts";
export {
  type Message,
  MessageQueue,
  openQueue,
  type OpenQueueOptions,
  type QueueAttributes,
  queueName,
  tryOpenQueue,
  unlinkQueue,
  type WaitOptions,
} from "./queue.ts";
export { enterIpcNamespaceOf, namespacePid } from "./namespaces.ts";
export { commandHandler } from "./command_handler.ts";
export {
  type HandlerResult,
  type RequestHandler,
  type ServeEvent,
  type ServeOptions,
  serveRequests,
} from "./server.ts";
