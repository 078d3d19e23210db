"""Clients looping over a mixed workload (reads, creates, refreshes) while a test restarts the server.

Each request goes on a connection of its own (gunicorn's sync workers close
every connection), over http.client, so each failure is told by where it
happened: refused at connect, or cut after the request was sent.
"""

import http.client
import json
import threading
from collections import Counter
from dataclasses import dataclass, field

TIMEOUT = 30  # seconds: longer than graceful_timeout in these tests, so a hang shows as one
REFUSED = "refused at connect"


@dataclass
class Outcomes:
    """What the clients saw: statuses and failures by kind, and the widgets acknowledged as created."""

    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    created: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status >= 500:
                self.failures[f"status {status}"] += 1

    def failed(self, kind: str) -> None:
        with self.lock:
            self.failures[kind] += 1

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.failures.values())

    def failed_requests(self, but=()) -> int:
        return sum(count for kind, count in self.failures.items() if kind not in but)


class Client(threading.Thread):
    """One client: list the widgets, create one, refresh its session, over and over."""

    def __init__(self, number: int, port: int, admin_token: str, refresh_token: str, outcomes: Outcomes,
                 stop: threading.Event):
        super().__init__(daemon=True)
        self.number, self.port, self.outcomes, self.stop_event = number, port, outcomes, stop
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.refresh_token = refresh_token
        self.sent = 0

    def run(self) -> None:
        steps = (self.read, self.create, self.refresh)
        while not self.stop_event.is_set():
            steps[self.sent % len(steps)]()
            self.sent += 1

    def read(self) -> None:
        self.call("GET", "/api/v1/widgets?per_page=5", None, self.admin)

    def create(self) -> None:
        name = f"load-{self.number}-{self.sent}"
        body = {"name": name, "info_url": "https://example.com/load", "deadline": "2030-12-31"}
        if self.call("POST", "/api/v1/widgets", body, self.admin)[0] == 201:
            with self.outcomes.lock:
                self.outcomes.created.append(name)

    def refresh(self) -> None:
        status, body = self.call("POST", "/api/v1/auth/refresh", {"refresh_token": self.refresh_token}, {})
        if status == 200:
            self.refresh_token = json.loads(body)["refresh_token"]

    def call(self, method: str, path: str, body, headers: dict) -> tuple:
        """(status, body), or (None, None) after recording a failure."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            try:
                connection.connect()
            except ConnectionRefusedError:
                self.outcomes.failed(REFUSED)
                return None, None
            payload = None if body is None else json.dumps(body).encode()
            sent = {**headers, "Content-Type": "application/json"} if payload else headers
            try:
                connection.request(method, path, body=payload, headers=sent)
                answer = connection.getresponse()
                data = answer.read()
            except (OSError, http.client.HTTPException) as cut:
                self.outcomes.failed(f"cut after connect: {type(cut).__name__}")
                return None, None
            self.outcomes.answered(answer.status)
            return answer.status, data
        finally:
            connection.close()


class Load:
    """`clients` clients running until `stop()`; their outcomes."""

    def __init__(self, port: int, admin_token: str, refresh_tokens: list):
        self.outcomes = Outcomes()
        self._stop = threading.Event()
        self.clients = [
            Client(number, port, admin_token, token, self.outcomes, self._stop)
            for number, token in enumerate(refresh_tokens)
        ]

    def __enter__(self) -> "Load":
        for client in self.clients:
            client.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> Outcomes:
        self._stop.set()
        for client in self.clients:
            client.join(TIMEOUT + 5)
        return self.outcomes
