"""A real RFC 3161 timestamp authority on 127.0.0.1 for tests: `openssl ts -reply`
behind a small HTTP server, with a root CA and a TSA certificate made at test time."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@dataclass
class LocalTSA:
    url: str
    root: Path  # the test root certificate (PEM)
    other_root: Path  # an unrelated root: tokens must not verify under it


def make_authority(folder: Path) -> None:
    for name in ("root", "other"):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
                 "-out", f"{name}.crt", "-days", "2", "-subj", f"/CN=Lantern test {name} CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)  # fmt: skip
    (folder / "ext.cnf").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=critical,timeStamping\n"
    )
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
             "-subj", "/CN=Lantern test TSA", cwd=folder)  # fmt: skip
    _openssl("x509", "-req", "-in", "tsa.csr", "-CA", "root.crt", "-CAkey", "root.key",
             "-CAcreateserial", "-out", "tsa.crt", "-days", "2", "-extfile", "ext.cnf",
             cwd=folder)  # fmt: skip
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(CONFIG.format(dir=folder))


@contextmanager
def local_tsa() -> Iterator[LocalTSA]:
    with tempfile.TemporaryDirectory(prefix="lantern-tsa-") as tmp:
        folder = Path(tmp)
        make_authority(folder)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    (folder / "query.tsq").write_bytes(query)
                    done = subprocess.run(
                        [
                            "openssl",
                            "ts",
                            "-reply",
                            "-config",
                            "tsa.cnf",
                            "-queryfile",
                            "query.tsq",
                            "-out",
                            "reply.tsr",
                        ],  # fmt: skip
                        cwd=folder,
                        capture_output=True,
                        timeout=60,
                        check=False,
                    )
                    body = (folder / "reply.tsr").read_bytes() if done.returncode == 0 else b""
                self.send_response(200 if body else 500)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LocalTSA(
                f"http://127.0.0.1:{server.server_address[1]}/tsa",
                folder / "root.crt",
                folder / "other.crt",
            )
        finally:
            server.shutdown()
