/**
 * The client's container lifecycle calls: create, start, stop, kill, remove, wait and
 * resize. {@link Docker} adds the streams (logs, attach, exec, run) on top.
 *
 * @module
 */
import { IpcatError } from "../errors.ts";
import { DockerObjects } from "./client_objects.ts";
import { CreatedId, WaitResponse } from "./schemas.ts";
import { type ContainerSpec, createBody } from "./spec.ts";

/** When a `wait` returns: the next exit, once not running, or once removed. */
export type WaitCondition = "next-exit" | "not-running" | "removed";

/** A wait registered with the daemon: its headers arrived, the result comes at exit. */
export interface RegisteredWait {
  result: Promise<WaitResponse>;
}

/** Containers from creation to removal, on top of the object calls. */
export class DockerLifecycle extends DockerObjects {
  /** Creates a container; returns its id and the daemon's warnings. */
  async create(spec: ContainerSpec): Promise<{ id: string; warnings: string[] }> {
    const body = createBody(spec);
    const created = await this.api.requestJson(CreatedId, "POST", "/containers/create", {
      query: { name: spec.name, platform: spec.platform },
      json: body,
      subject: `image ${spec.image}`,
    });
    return { id: created.Id, warnings: created.Warnings };
  }

  /** Starts a container; `false` when it was already running. */
  async start(id: string): Promise<boolean> {
    const res = await this.api.request("POST", `/containers/${encodeURIComponent(id)}/start`, {
      accept: [304],
      subject: `container ${id}`,
    });
    await this.api.drain(res);
    return res.status !== 304;
  }

  /**
   * Stops a container (`signal`, default its stop signal, then SIGKILL after `timeout`
   * seconds); `false` when already stopped.
   */
  async stop(id: string, options: { timeout?: number; signal?: string } = {}): Promise<boolean> {
    const res = await this.api.request("POST", `/containers/${encodeURIComponent(id)}/stop`, {
      query: { t: options.timeout, signal: options.signal },
      accept: [304],
      subject: `container ${id}`,
    });
    await this.api.drain(res);
    return res.status !== 304;
  }

  /** Sends a signal (name or number, default SIGKILL) to a container's main process. */
  async kill(id: string, signal = "SIGKILL"): Promise<void> {
    const res = await this.api.request("POST", `/containers/${encodeURIComponent(id)}/kill`, {
      query: { signal },
      subject: `container ${id}`,
    });
    await this.api.drain(res);
  }

  /** Removes a container (`force`: even a running one; `volumes`: its anonymous volumes too). */
  async remove(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const res = await this.api.request("DELETE", `/containers/${encodeURIComponent(id)}`, {
      query: { force: options.force ?? false, v: options.volumes ? true : undefined },
      subject: `container ${id}`,
    });
    await this.api.drain(res);
  }

  /**
   * Registers a wait and resolves once the daemon has (its headers arrived), so that a
   * start that follows cannot be missed. The exit arrives in `result`.
   */
  async registerWait(
    id: string,
    condition: WaitCondition = "not-running",
  ): Promise<RegisteredWait> {
    const res = await this.api.request("POST", `/containers/${encodeURIComponent(id)}/wait`, {
      query: { condition },
      subject: `container ${id}`,
    });
    const result = res.text().then(
      (text) => this.api.parse(WaitResponse, text, `wait ${id}`),
      (error) =>
        Promise.reject(this.api.droppedError(error, "while waiting for the container to exit")),
    );
    result.catch(() => {});
    return { result };
  }

  /** Waits for a container to stop and returns its exit code. */
  async wait(id: string, condition: WaitCondition = "not-running"): Promise<number> {
    const { result } = await this.registerWait(id, condition);
    const status = await result;
    if (status.Error?.Message) {
      throw new IpcatError("docker", `waiting for ${id} failed: ${status.Error.Message}`);
    }
    return status.StatusCode;
  }

  /** Resizes a container's TTY (`exec`: an exec process's). Errors for stopped processes are ignored. */
  async resize(
    id: string,
    size: { rows: number; cols: number },
    kind: "containers" | "exec" = "containers",
  ): Promise<void> {
    try {
      const res = await this.api.request("POST", `/${kind}/${encodeURIComponent(id)}/resize`, {
        query: { h: size.rows, w: size.cols },
      });
      await this.api.drain(res);
    } catch (error) {
      if (
        !(error instanceof IpcatError) ||
        !/not running|no such|cannot resize|is not running|ended/i.test(error.message)
      ) throw error;
    }
  }
}
