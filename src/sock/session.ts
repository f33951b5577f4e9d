/**
 * The channels of one routed connection and the loop that reads frames for them, on
 * either side: the server (`server.ts`) and the client (`client.ts`) are thin roles on
 * top of {@link Session}. Under protocol 1.1 each channel has its own credit window
 * (`channel.ts`); under 1.0 reading stops while channel readers hold more than 1 MiB.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import { type Frame, FrameError, type MsgFrame } from "../framing/sock.ts";
import type { Channel, ChannelLink } from "./channel.ts";
import type { FramedConn } from "./framed.ts";
import { deferred } from "../deferred.ts";

/** Version 1.0: received bytes readers may leave unread before the connection stops reading. */
const HOLD_LIMIT = 1 << 20;

/**
 * What a session does with frames that are not for an open channel.
 *
 * @example
 * ```ts ignore
 * import type { SessionRole } from "./session.ts";
 * const clientRole: SessionRole = { unknownTag() {} }; // a client drops MSG on forgotten tags
 * ```
 */
export interface SessionRole {
  /** A MSG on a tag with no open channel. */
  unknownTag(session: Session, frame: MsgFrame): void;
  /** The session ended; `error` is set when it ended on a protocol error. */
  ended?(session: Session, error: FrameError | null): void;
}

/**
 * The channels of one connection and the loop that reads frames for them. Reading stops
 * while the outgoing queue is congested (a peer that does not read cannot make us buffer
 * more) and, under protocol 1.0 only, while channel readers hold more than 1 MiB unread.
 *
 * @example
 * ```ts ignore
 * import { runtime } from "../adapter/mod.ts";
 * import { FramedConn } from "./framed.ts";
 * import { Session } from "./session.ts";
 * const framed = new FramedConn(await runtime.connect({ unix: "/tmp/app.sock" }), 1 << 20);
 * const session = new Session(framed, { unknownTag() {} }, true);
 * void session.run(); // after the CONNECT exchange
 * session.close();
 * ```
 */
export class Session implements ChannelLink {
  readonly framed: FramedConn;
  readonly channelCredit: boolean;
  readonly channels = new Map<number, Channel>();
  #channelsOpenAtClose = 0;

  /** How many channels were still open when the connection closed (they completed as `disconnected`). */
  get channelsOpenAtClose(): number {
    return this.#channelsOpenAtClose;
  }
  #role: SessionRole;
  #held = 0;
  #heldWaiter: (() => void) | null = null;
  #pongWaiters = new Map<bigint, { resolve: () => void; reject: (e: unknown) => void }>();
  #closed = false;
  #closeReason = "";
  /** `performance.now()` when the last bytes arrived. */
  lastReceived = performance.now();
  #ended = deferred<void>();

  constructor(framed: FramedConn, role: SessionRole, channelCredit: boolean) {
    this.framed = framed;
    this.#role = role;
    this.channelCredit = channelCredit;
  }

  /** Settles once the connection is over and every channel completed. */
  get ended(): Promise<void> {
    return this.#ended.promise;
  }

  /** Registers a channel (client: on open; server: on a routed opening MSG). */
  add(channel: Channel): void {
    if (this.#closed) channel.disconnect(this.#closeReason);
    else this.channels.set(channel.tag, channel);
  }

  hold(bytes: number): void {
    this.#held += bytes;
  }

  release(bytes: number): void {
    this.#held -= bytes;
    if (this.#held <= HOLD_LIMIT && this.#heldWaiter) {
      const w = this.#heldWaiter;
      this.#heldWaiter = null;
      w();
    }
  }

  forget(channel: Channel): void {
    this.channels.delete(channel.tag);
  }

  /** True once the connection is closed. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Sends PING and resolves on the matching PONG; rejects if the connection closes first. */
  ping(nonce: bigint): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new IpcatError("unavailable", `no PONG: ${this.#closeReason}`));
    }
    return new Promise((resolve, reject) => {
      this.#pongWaiters.set(nonce, { resolve, reject });
      this.framed.send({ kind: "ping", nonce });
    });
  }

  /**
   * Reads and dispatches frames until the connection ends. `first` holds frames that
   * arrived in the same reads as the handshake.
   */
  async run(): Promise<void> {
    const { conn, decoder } = this.framed;
    let failure: FrameError | null = null;
    let reason = "the connection closed";
    try {
      this.#dispatchAll();
      for (;;) {
        if (this.framed.congested) await this.framed.drain();
        if (!this.channelCredit && this.#held > HOLD_LIMIT) {
          await new Promise<void>((r) => (this.#heldWaiter = r));
        }
        if (this.#closed) break;
        const chunk = await conn.read();
        if (chunk === null) {
          decoder.finish();
          break;
        }
        this.lastReceived = performance.now();
        decoder.push(chunk);
        this.#dispatchAll();
      }
    } catch (error) {
      if (error instanceof FrameError) {
        failure = error;
        reason = `protocol error: ${error.message}`;
      } else {
        reason = `the connection failed: ${(error as Error)?.message ?? error}`;
      }
    }
    this.close(reason);
    this.#role.ended?.(this, failure);
    this.#ended.resolve();
  }

  #dispatchAll(): void {
    const decoder = this.framed.decoder;
    for (let frame = decoder.next(); frame !== null; frame = decoder.next()) this.#dispatch(frame);
    this.framed.flush();
  }

  #dispatch(frame: Frame): void {
    switch (frame.kind) {
      case "msg": {
        const channel = this.channels.get(frame.tag);
        if (channel) channel.receive(frame);
        else this.#role.unknownTag(this, frame);
        return;
      }
      case "end":
        this.channels.get(frame.tag)?.receiveEnd(frame);
        return;
      case "credit":
        if (!this.channelCredit) {
          throw new FrameError("malformed", "CREDIT without per-channel flow control (1.0)");
        }
        this.channels.get(frame.tag)?.receiveCredit(frame.bytes);
        return;
      case "ping":
        this.framed.send({ kind: "pong", nonce: frame.nonce });
        return;
      case "pong": {
        const waiter = this.#pongWaiters.get(frame.nonce);
        this.#pongWaiters.delete(frame.nonce);
        waiter?.resolve();
        return;
      }
      case "connect":
        throw new FrameError("malformed", "CONNECT after the handshake");
    }
  }

  /**
   * Drops the connection; every open channel completes with `disconnected`. `graceful`
   * (a local decision to close, not a broken peer) first delivers the frames queued.
   * Resolves once the connection is closed.
   */
  close(reason = "the connection was closed", graceful = false): Promise<void> {
    let closing: Promise<void> = Promise.resolve();
    if (!this.#closed) {
      this.#closed = true;
      this.#closeReason = reason;
      this.#channelsOpenAtClose = this.channels.size;
      if (graceful) closing = this.framed.closeGracefully();
      else {
        this.framed.flush();
        this.framed.breakOff();
      }
    }
    for (const channel of [...this.channels.values()]) channel.disconnect(reason);
    this.channels.clear();
    for (const waiter of this.#pongWaiters.values()) {
      waiter.reject(new IpcatError("unavailable", `no PONG: ${reason}`));
    }
    this.#pongWaiters.clear();
    if (this.#heldWaiter) {
      const w = this.#heldWaiter;
      this.#heldWaiter = null;
      w();
    }
    return closing;
  }
}
