"""What the benchmarks share: a gunicorn of the project started and stopped, and a test
client signed in as a demo user (past the code step, as a real sign-in would be)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def start_gunicorn(
    options: list[str], *, env: dict[str, str], host: str, port: int
) -> subprocess.Popen:
    """`gunicorn brobygger.wsgi` with `options`, bound to host:port; returns once it answers."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "brobygger.wsgi", f"--bind={host}:{port}", *options]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def client_for(username: str) -> Any:
    """Django's test client signed in as `username`, with its authenticator verified."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from brobygger.accounts.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
