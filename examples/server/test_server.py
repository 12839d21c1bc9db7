#!/usr/bin/env python3
"""The example server against a scripted node peer and a scripted client.

Starts dsim-example-server (dispatch timeout 300 ms, scan every 50 ms, 2
failovers), connects two nodes and one client over TCP on 127.0.0.1 and plays:

  utterance 0: attempt 1 is ignored by whichever node gets it -> the core times
               it out, cancels it and re-dispatches the same job_id as attempt 2,
               which the node answers -> the client gets translation_result 0;
  utterance 1: answered at once -> translation_result 1;
  utterance 2: never answered -> attempts 1..3, then ui_event JOB_TIMEOUT.

Then checks what the nodes, the client and the server's log saw, stops the
server with SIGINT and checks it exits 0 and its port is closed; first, that a
--port above 65535 is refused (usage, exit 2).
Usage: test_server.py PATH/TO/dsim-example-server
"""
import json
import selectors
import signal
import socket
import subprocess
import sys
import time

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


class Conn:
    def __init__(self, port, name):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.setblocking(False)
        self.name = name
        self.buf = b""
        self.got = []  # every message received, in order

    def send(self, **msg):
        self.sock.sendall((json.dumps(msg) + "\n").encode())

    def feed(self):
        data = self.sock.recv(65536)
        if not data:
            return []
        self.buf += data
        out = []
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            m = json.loads(line)
            self.got.append(m)
            out.append(m)
        return out


def bad_port():
    """--port above 65535 is refused (a 16-bit sin_port would wrap it to another)."""
    for port in ("65536", "70000"):
        try:
            p = subprocess.run([sys.argv[1], "--port", port], capture_output=True, text=True,
                               timeout=5)
        except subprocess.TimeoutExpired:
            check(False, f"--port {port}: the server ran (listening) instead of refusing")
            continue
        check(p.returncode == 2 and p.stderr.startswith("usage:") and not p.stdout,
              f"--port {port}: exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}")


def main():
    bad_port()
    server = subprocess.Popen(
        [sys.argv[1], "--dispatch-timeout-ms", "300", "--scan-interval-ms", "50",
         "--max-failovers", "2"],
        stdout=subprocess.PIPE, text=True)
    try:
        run(server)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    if FAILS:
        print(f"{len(FAILS)} checks failed")
        sys.exit(1)
    print("example server: assign, answer, timeout, cancel, re-dispatch, JOB_TIMEOUT: ok")


def run(server):
    first = server.stdout.readline().split()
    check(len(first) == 2 and first[0] == "listening", f"first line {first}")
    port = int(first[1].rsplit(":", 1)[1])

    sel = selectors.DefaultSelector()
    nodes = [Conn(port, "n1"), Conn(port, "n2")]
    for n in nodes:
        n.send(type="node_register", node_id=n.name, version="1", platform="linux",
               max_concurrent_jobs=2)
        sel.register(n.sock, selectors.EVENT_READ, n)
    client = Conn(port, "client")
    sel.register(client.sock, selectors.EVENT_READ, client)

    def pump(until, limit=5.0):
        end = time.monotonic() + limit
        while not until() and time.monotonic() < end:
            for key, _ in sel.select(0.05):
                conn = key.data
                for m in conn.feed():
                    react(conn, m)
        return until()

    def react(conn, m):
        if conn is client:
            if m["type"] == "session_init_ack":
                sess = m["session_id"]
                for i in range(3):
                    client.send(type="utterance", session_id=sess, utterance_index=i,
                                manual_cut=False, src_lang="zh", tgt_lang="en", audio="",
                                audio_format="pcm16", sample_rate=16000, audio_ms=1000)
            return
        if m["type"] == "node_register_ack":
            conn.send(type="node_heartbeat", node_id=conn.name, timestamp=0,
                      resource_usage={"cpu_percent": 0, "mem_percent": 0, "running_jobs": 0},
                      installed_services=[], capability_by_type=[])
        elif m["type"] == "job_assign":
            i, a = m["utterance_index"], m["attempt_id"]
            if (i == 0 and a >= 2) or i == 1:  # the script: which attempts are answered
                conn.send(type="job_result", job_id=m["job_id"], attempt_id=a,
                          node_id=conn.name, session_id=m["session_id"], utterance_index=i,
                          success=True, trace_id=m["trace_id"])

    check(pump(lambda: all(any(m["type"] == "node_register_ack" for m in n.got) for n in nodes)),
          "both nodes registered")
    client.send(type="session_init", client_version="1", platform="api-gateway",
                src_lang="zh", tgt_lang="en")

    def results():
        return {m["utterance_index"]: m for m in client.got if m["type"] == "translation_result"}

    def errors():
        return {m["utterance_index"]: m for m in client.got if m["type"] == "ui_event"}

    check(pump(lambda: len(results()) == 2 and 2 in errors()),
          f"client got results 0, 1 and an error for 2: {client.got}")

    assigns = [m for n in nodes for m in n.got if m["type"] == "job_assign"]
    cancels = [m for n in nodes for m in n.got if m["type"] == "job_cancel"]
    by_index = {}
    for m in assigns:
        by_index.setdefault(m["utterance_index"], []).append(m)
    a0 = sorted(by_index.get(0, []), key=lambda m: m["attempt_id"])
    check([m["attempt_id"] for m in a0] == [1, 2], f"utterance 0 attempts {a0}")
    check(len({m["job_id"] for m in a0}) == 1, "utterance 0 re-dispatched with the same job_id")
    check(any(c["job_id"] == a0[0]["job_id"] for c in cancels) if a0 else False,
          "the timed-out attempt of utterance 0 was cancelled")
    check([m["attempt_id"] for m in by_index.get(1, [])] == [1], "utterance 1: one attempt")
    a2 = sorted(m["attempt_id"] for m in by_index.get(2, []))
    check(a2 == [1, 2, 3], f"utterance 2: 1 + 2 failovers, got {a2}")
    r = results()
    if 0 in r and a0:
        check(r[0]["job_id"] == a0[0]["job_id"], "result 0 names utterance 0's job")
    e = errors().get(2, {})
    check(e.get("error_code") == "JOB_TIMEOUT" and e.get("event") == "ERROR",
          f"utterance 2 error {e}")
    check(not any(m["type"] == "error" for c in nodes + [client] for m in c.got),
          "no input was refused")

    client.send(type="session_close", session_id=r[0]["session_id"] if 0 in r else "s1",
                reason="done")
    time.sleep(0.1)
    server.send_signal(signal.SIGINT)
    try:
        rest, _ = server.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        check(False, "server did not exit on SIGINT")
        return
    check(server.returncode == 0, f"server exit code {server.returncode}")
    log = [json.loads(line) for line in rest.splitlines()]
    events = [rec["event"] for rec in log]
    for ev in ("job_created", "job_dispatched", "dispatch_timeout", "failover_dispatched",
               "failover_exhausted", "result_accepted", "result_released"):
        check(ev in events, f"server log has {ev}")
    check(sum(ev == "dispatch_timeout" for ev in events) == 4,
          "4 dispatch timeouts (1 for utterance 0, 3 for utterance 2)")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        check(False, "port still open after exit")
    except OSError:
        pass


if __name__ == "__main__":
    main()
