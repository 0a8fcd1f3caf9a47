"""Stand-ins for a region's SMS gateway, for tests that need a "real" backend configured."""

from __future__ import annotations


class RecordingGateway:
    """Counts as a real gateway for the start-up check; remembers what it was given."""

    sent: list[tuple[str, str]] = []

    def send(self, to: str, text: str) -> None:
        self.sent.append((to, text))


class ChattyBrokenGateway:
    """A gateway that is down and names the recipient in its error, as many do."""

    def send(self, to: str, text: str) -> None:
        raise ConnectionError(f"could not deliver to +45 {to[:4]} {to[4:]} ({to}): timeout")
