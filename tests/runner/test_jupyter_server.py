"""A Jupyter server on loopback lists the fixture notebooks and runs code via its REST API + websocket."""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_server_lists_and_executes(tmp_path, kernel, notebooks):
    port, token = _free_port(), secrets.token_hex(16)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={notebooks}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"token {token}"}
    try:
        for _ in range(150):
            try:
                if requests.get(f"{base}/api/status", headers=headers, timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        listing = requests.get(f"{base}/api/contents", headers=headers, timeout=10).json()
        names = {item["name"] for item in listing["content"]}
        assert {"ok.ipynb", "raises.ipynb"} <= names
        assert requests.get(f"{base}/api/contents", timeout=10).status_code == 403  # token required
        session = requests.post(
            f"{base}/api/sessions",
            headers=headers,
            timeout=30,
            json={"path": "ok.ipynb", "type": "notebook", "kernel": {"name": kernel}},
        ).json()
        kernel_id = session["kernel"]["id"]
        from websocket import create_connection  # websocket-client, a jupyter_server dependency

        ws = create_connection(
            f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={token}", timeout=60
        )
        msg_id = uuid.uuid4().hex
        ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "username": "t",
                        "session": uuid.uuid4().hex,
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "content": {
                        "code": "print(6 * 7)",
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                    },
                }
            )
        )
        out = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out += msg["content"]["text"]
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        ws.close()
        assert out.strip() == "42"
        requests.delete(f"{base}/api/sessions/{session['id']}", headers=headers, timeout=30)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
