/** The live websocket client: a snapshot, then deltas numbered by ``seq``; on a drop it reconnects with
 * exponential backoff (0.5 s doubling to 10 s) and resumes with the snapshot's ``epoch`` and the last
 * ``seq`` it got, so the server sends only what was missed. A delta whose seq it already has is dropped.
 * Sockets and timers are injected: the logic runs the same in unit tests. */

export interface Delta {
  type: "kpi" | "obs" | "alerts" | "health";
  seq: number;
  data: Record<string, unknown>;
}
export interface Snapshot {
  type: "snapshot";
  epoch: string;
  seq: number;
  [channel: string]: unknown;
}
export type Message = Snapshot | Delta;

export type Status = "connecting" | "live" | "lost" | "closed";
export interface LiveState {
  status: Status;
  /** When the data shown stopped being current (the drop, or the first failed try); null while live. */
  staleSince: number | null;
  attempt: number;
  reason: string | null;
}

/** The part of a WebSocket the client uses. */
export interface SocketLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  close(code?: number, reason?: string): void;
}

export interface LiveOptions {
  channels: string[];
  connect: (url: string) => SocketLike;
  onMessage: (message: Message) => void;
  onState: (state: LiveState) => void;
  onUnauthorized: () => void;
  now?: () => number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  random?: () => number;
}

export const FIRST_DELAY_MS = 500;
export const MAX_DELAY_MS = 10_000;
// Close codes after which trying again cannot help: not logged in, bad request.
const UNAUTHORIZED = 4401;
const FINAL = new Set([1008, 4400, 4403]);

/** Delay before try number ``attempt`` (0 = the first retry): doubling from 0.5 s, at most 10 s, with
 * ±20 % jitter so the screens of a room do not all reconnect in the same instant after a restart. */
export function backoff(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** The websocket path: channels, and epoch + since when resuming. */
export function liveUrl(channels: string[], epoch: string | null, since: number | null): string {
  const query = new URLSearchParams({ channels: channels.join(",") });
  if (epoch !== null && since !== null) {
    query.set("epoch", epoch);
    query.set("since", String(since));
  }
  return `/ws?${query.toString()}`;
}

export class LiveClient {
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private epoch: string | null = null;
  private seq: number | null = null;
  private stopped = false;
  private state: LiveState = { status: "connecting", staleSince: null, attempt: 0, reason: null };
  private readonly now: () => number;
  private readonly setTimer: (run: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;
  private readonly random: () => number;

  constructor(private readonly options: LiveOptions) {
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
    this.clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
    this.random = options.random ?? Math.random;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "page left");
  }

  /** The position to resume from (for tests and diagnostics). */
  position(): { epoch: string | null; seq: number | null } {
    return { epoch: this.epoch, seq: this.seq };
  }

  private setState(change: Partial<LiveState>): void {
    this.state = { ...this.state, ...change };
    this.options.onState(this.state);
  }

  private open(): void {
    this.timer = null;
    const socket = this.options.connect(liveUrl(this.options.channels, this.epoch, this.seq));
    this.socket = socket;
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket === socket) this.closed(event.code, event.reason);
    };
  }

  private receive(raw: unknown): void {
    let message: { type?: unknown; seq?: unknown; epoch?: unknown };
    try {
      message = JSON.parse(String(raw)) as typeof message;
    } catch {
      return; // not ours to show; the next good message carries on
    }
    if (this.state.status !== "live") this.setState({ status: "live", staleSince: null, attempt: 0, reason: null });
    if (message.type === "snapshot") {
      this.epoch = String(message.epoch);
      this.seq = Number(message.seq);
      this.options.onMessage(message as Snapshot);
      return;
    }
    if (message.type === "resume") return; // the missed deltas follow, numbered as before
    const seq = Number(message.seq);
    if (this.seq !== null && seq <= this.seq) return; // had it already (sent again across a resume)
    this.seq = seq;
    this.options.onMessage(message as Delta);
  }

  private closed(code: number, reason: string): void {
    this.socket = null;
    if (this.stopped) return;
    const staleSince = this.state.staleSince ?? this.now();
    if (code === UNAUTHORIZED) {
      this.setState({ status: "closed", staleSince, reason });
      this.options.onUnauthorized();
      return;
    }
    if (FINAL.has(code)) {
      this.setState({ status: "closed", staleSince, reason: reason || String(code) });
      return;
    }
    const attempt = this.state.attempt;
    this.setState({ status: "lost", staleSince, attempt: attempt + 1, reason: reason || null });
    this.timer = this.setTimer(() => this.open(), backoff(attempt, this.random));
  }
}

/** The browser's websocket, on this page's host (the session cookie goes with it). */
export function browserSocket(path: string): SocketLike {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}${path}`);
  const socket: SocketLike = { onmessage: null, onclose: null, close: (code, reason) => ws.close(code, reason) };
  ws.onmessage = (event) => socket.onmessage?.({ data: event.data });
  ws.onclose = (event) => socket.onclose?.({ code: event.code, reason: event.reason });
  return socket;
}
