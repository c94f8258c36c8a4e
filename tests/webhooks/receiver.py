"""A webhook receiver on 127.0.0.1 for tests: records what it is sent, answers as told."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """An HTTP server in a thread that records each POST and answers with chosen statuses."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []  # statuses for the next requests; 204 after them
        self.gate: threading.Event | None = None  # while set up, requests wait for it
        self.body = b""  # what every answer carries
        self._arrived = threading.Semaphore(0)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver._lock:
                    receiver.requests.append((dict(self.headers.items()), body))
                    status = receiver.answers.pop(0) if receiver.answers else 204
                    gate = receiver.gate
                receiver._arrived.release()
                if gate is not None:
                    gate.wait(timeout=60)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(receiver.body)))
                    self.end_headers()
                    self.wfile.write(receiver.body)
                except OSError:
                    pass  # the worker went away while we held its request

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/heritage"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.gate is not None:
            self.gate.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for_request(self, timeout: float = 30) -> bool:
        """Wait until one more request has arrived."""
        return self._arrived.acquire(timeout=timeout)
