import { describe, expect, it } from "vitest";
import { backoff, LiveClient, type LiveState, liveUrl, type Message, type SocketLike } from "./live";

class FakeSocket implements SocketLike {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  send(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code = 1006, reason = ""): void {
    this.onclose?.({ code, reason });
  }
  close(): void {
    this.closed = true;
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { run: () => void; ms: number }[] = [];
  const messages: Message[] = [];
  const states: LiveState[] = [];
  let unauthorized = 0;
  let now = 1_000_000;
  const client = new LiveClient({
    channels: ["kpi", "alerts"],
    connect: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    onMessage: (m) => messages.push(m),
    onState: (s) => states.push(s),
    onUnauthorized: () => (unauthorized += 1),
    now: () => now,
    setTimer: (run, ms) => timers.push({ run, ms }),
    clearTimer: () => undefined,
    random: () => 0.5,
  });
  return {
    client, sockets, timers, messages, states,
    unauthorized: () => unauthorized,
    advance: (ms: number) => (now += ms),
    last: () => sockets[sockets.length - 1]!,
    state: () => states[states.length - 1],
  };
}

const snapshot = (seq: number, epoch = "e1") => ({ type: "snapshot", epoch, seq, kpi: [], alerts: [] });
const delta = (seq: number) => ({ type: "kpi", seq, data: { n: seq } });

describe("backoff", () => {
  it("doubles from 0.5 s up to 10 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoff(a, () => 0.5))).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000]);
  });
  it("jitters by at most a fifth", () => {
    expect(backoff(0, () => 0)).toBe(400);
    expect(backoff(0, () => 1)).toBe(600);
  });
});

describe("liveUrl", () => {
  it("asks to resume only with an epoch and a seq", () => {
    expect(liveUrl(["kpi", "alerts"], null, null)).toBe("/ws?channels=kpi%2Calerts");
    expect(liveUrl(["kpi"], "e1", 42)).toBe("/ws?channels=kpi&epoch=e1&since=42");
  });
});

describe("LiveClient", () => {
  it("goes live on the snapshot and passes deltas on", () => {
    const t = harness();
    t.client.start();
    expect(t.last().url).toBe("/ws?channels=kpi%2Calerts");
    t.last().send(snapshot(10));
    t.last().send(delta(11));
    expect(t.messages.map((m) => m.seq)).toEqual([10, 11]);
    expect(t.state()).toMatchObject({ status: "live", staleSince: null });
  });

  it("shows the data as stale from the drop and reconnects with since", () => {
    const t = harness();
    t.client.start();
    t.last().send(snapshot(10));
    t.last().send(delta(12));
    t.last().drop();
    expect(t.state()).toMatchObject({ status: "lost", staleSince: 1_000_000 });
    expect(t.timers[0]!.ms).toBe(500);
    t.advance(500);
    t.timers[0]!.run();
    expect(t.last().url).toBe("/ws?channels=kpi%2Calerts&epoch=e1&since=12");
  });

  it("drops deltas it already has after a resume", () => {
    const t = harness();
    t.client.start();
    t.last().send(snapshot(10));
    t.last().send(delta(11));
    t.last().drop();
    t.timers[0]!.run();
    t.last().send({ type: "resume", epoch: "e1", since: 11, missed: 2 });
    t.last().send(delta(11));
    t.last().send(delta(12));
    t.last().send(delta(12));
    t.last().send(delta(14));
    expect(t.messages.map((m) => m.seq)).toEqual([10, 11, 12, 14]);
    expect(t.client.position()).toEqual({ epoch: "e1", seq: 14 });
  });

  it("takes a new snapshot of another epoch as the new start", () => {
    const t = harness();
    t.client.start();
    t.last().send(snapshot(500, "old"));
    t.last().drop();
    t.timers[0]!.run();
    t.last().send(snapshot(3, "new")); // the dashboard restarted: its numbers begin again
    t.last().send(delta(4));
    expect(t.messages.map((m) => m.seq)).toEqual([500, 3, 4]);
  });

  it("backs off further while the server stays away, keeping the first stale time", () => {
    const t = harness();
    t.client.start();
    t.last().send(snapshot(1));
    t.last().drop();
    for (let i = 0; i < 6; i++) {
      t.advance(1000);
      t.timers[t.timers.length - 1]!.run();
      t.last().drop();
    }
    expect(t.timers.map((x) => x.ms)).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000]);
    expect(t.state()).toMatchObject({ status: "lost", staleSince: 1_000_000 });
  });

  it("starts the backoff again once live", () => {
    const t = harness();
    t.client.start();
    t.last().drop();
    t.timers[0]!.run();
    t.last().drop();
    t.timers[1]!.run();
    t.last().send(snapshot(1));
    t.last().drop();
    expect(t.timers.map((x) => x.ms)).toEqual([500, 1000, 500]);
  });

  it("is stale from the first failed try when it never connected", () => {
    const t = harness();
    t.client.start();
    t.advance(250);
    t.last().drop();
    expect(t.state()).toMatchObject({ status: "lost", staleSince: 1_000_250 });
  });

  it("stops at 4401 and says the session is over", () => {
    const t = harness();
    t.client.start();
    t.last().drop(4401, "log in first");
    expect(t.unauthorized()).toBe(1);
    expect(t.timers).toHaveLength(0);
    expect(t.state()?.status).toBe("closed");
  });

  it("does not retry a refused subscription", () => {
    const t = harness();
    t.client.start();
    t.last().drop(4403, "operator may not follow x");
    expect(t.timers).toHaveLength(0);
    expect(t.state()).toMatchObject({ status: "closed", reason: "operator may not follow x" });
  });

  it("ignores a stopped socket's late events and does not reconnect after stop", () => {
    const t = harness();
    t.client.start();
    const first = t.last();
    first.send(snapshot(1));
    t.client.stop();
    expect(first.closed).toBe(true);
    first.drop();
    first.send(delta(2));
    expect(t.timers).toHaveLength(0);
    expect(t.messages).toHaveLength(1);
  });

  it("skips a message that is not JSON", () => {
    const t = harness();
    t.client.start();
    t.last().onmessage?.({ data: "not json" });
    t.last().send(snapshot(1));
    expect(t.messages).toHaveLength(1);
  });
});
