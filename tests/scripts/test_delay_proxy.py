"""The delay proxy (tests/fixtures/delay_proxy.py), against a loopback echo server: the delay
shows in the round trip, the bytes pass intact and in order, and a close is passed on."""
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import threading
import time
import unittest

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import delay_proxy  # noqa: E402


class EchoServer:
    """Echoes every byte back on each connection; records when a connection's client went away
    (EOF or error), so a test can see the proxy closed the upstream side."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.ended = threading.Event()
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.conns.append(c)
            threading.Thread(target=self._echo, args=(c,), daemon=True).start()

    def _echo(self, c):
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                c.sendall(data)
        except OSError:
            pass
        self.ended.set()
        c.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_exactly(s, n):
    parts, got = [], 0
    while got < n:
        b = s.recv(min(65536, n - got))
        if not b:
            raise AssertionError(f"connection closed after {got} of {n} bytes")
        parts.append(b)
        got += len(b)
    return b"".join(parts)


def median_rtt_ns(port, n=100):
    with connect(port) as s:
        msg = b"x" * 32
        for _ in range(5):  # warm up
            s.sendall(msg)
            recv_exactly(s, len(msg))
        rtts = []
        for _ in range(n):
            t = time.perf_counter_ns()
            s.sendall(msg)
            recv_exactly(s, len(msg))
            rtts.append(time.perf_counter_ns() - t)
    return statistics.median(rtts)


class DelayProxyTest(unittest.TestCase):
    def setUp(self):
        self.echo = EchoServer()
        self.addCleanup(self.echo.close)

    def test_the_delay_shows_in_the_round_trip(self):
        with delay_proxy.DelayProxy("127.0.0.1", self.echo.port, 0) as p0:
            zero = median_rtt_ns(p0.port)
        with delay_proxy.DelayProxy("127.0.0.1", self.echo.port, 1000) as p1:
            held = median_rtt_ns(p1.port)
        added = held - zero
        # 1000 us each way: 2 ms more, give or take the proxy's wake-ups on a busy machine.
        self.assertGreater(added, 1.8e6, f"delay 0: {zero / 1e3:.0f} us, delay 1000 us: {held / 1e3:.0f} us")
        self.assertLess(added, 3.0e6, f"delay 0: {zero / 1e3:.0f} us, delay 1000 us: {held / 1e3:.0f} us")

    def test_bytes_arrive_intact_and_in_order(self):
        payload = os.urandom(1 << 20)
        for delay in (0, 200):
            with self.subTest(delay_us=delay), delay_proxy.DelayProxy("127.0.0.1", self.echo.port, delay) as p:
                with connect(p.port) as s:
                    got = []
                    reader = threading.Thread(target=lambda: got.append(recv_exactly(s, len(payload))))
                    reader.start()  # read while sending, or both sides' buffers fill
                    s.sendall(payload)
                    reader.join(timeout=20)
                    self.assertFalse(reader.is_alive(), "the echo did not come back in 20 s")
                    self.assertEqual(len(got[0]), len(payload))
                    self.assertTrue(got[0] == payload, "bytes changed or reordered")

    def test_closing_the_client_closes_the_upstream(self):
        with delay_proxy.DelayProxy("127.0.0.1", self.echo.port, 100) as p:
            s = connect(p.port)
            s.sendall(b"ping")
            self.assertEqual(recv_exactly(s, 4), b"ping")
            self.assertEqual(p.connections, 1)
            s.close()
            self.assertTrue(self.echo.ended.wait(5), "the upstream side stayed open")
            deadline = time.monotonic() + 5
            while p.connections and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertEqual(p.connections, 0, "the proxy kept the connection")

    def test_a_half_close_is_passed_on(self):
        # The client says it is done sending; the echo still answers, then closes.
        with delay_proxy.DelayProxy("127.0.0.1", self.echo.port, 100) as p, connect(p.port) as s:
            s.sendall(b"last words")
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(recv_exactly(s, 10), b"last words")
            self.assertEqual(s.recv(10), b"", "the upstream's close did not come through")

    def test_close_ends_open_connections(self):
        p = delay_proxy.DelayProxy("127.0.0.1", self.echo.port, 0)
        with connect(p.port) as s:
            s.sendall(b"hi")
            self.assertEqual(recv_exactly(s, 2), b"hi")
            p.close()
            s.settimeout(5)
            try:
                self.assertEqual(s.recv(10), b"")
            except ConnectionResetError:
                pass
            self.assertTrue(self.echo.ended.wait(5))
        with self.assertRaises(OSError):
            connect(p.port).close()

    def test_the_command_line(self):
        proc = subprocess.Popen([sys.executable, str(FIXTURES / "delay_proxy.py"), "--upstream",
                                 f"127.0.0.1:{self.echo.port}", "--delay-us", "50"],
                                stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline().split()
            self.assertEqual(line[0], "listening")
            host, _, port = line[1].rpartition(":")
            self.assertEqual(host, "127.0.0.1")
            with connect(int(port)) as s:
                s.sendall(b"cli")
                self.assertEqual(recv_exactly(s, 3), b"cli")
            proc.terminate()
            self.assertEqual(proc.wait(timeout=5), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()


if __name__ == "__main__":
    unittest.main()
