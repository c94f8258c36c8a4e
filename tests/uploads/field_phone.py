"""A field team's phone, as a separate process: it starts a tus upload with tuspy and loses
the network in the middle of a chunk, or resumes an upload another process started.

    python -m tests.uploads.field_phone start BASE_URL KEY FILE MONUMENT_ID CHUNK_SIZE CHUNKS
    python -m tests.uploads.field_phone resume UPLOAD_URL BASE_URL KEY FILE CHUNK_SIZE
"""

import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from tusclient.client import TusClient

UPLOADS = "/api/v1/uploads"


def client(base_url: str, key: str) -> TusClient:
    return TusClient(base_url + UPLOADS, headers={"Authorization": f"Bearer {key}"})


def start(base_url: str, key: str, file: str, monument_id: str, chunk_size: str, chunks: str):
    """Send `chunks` whole chunks, then half of the rest, and hang there until killed."""
    uploader = client(base_url, key).uploader(
        file_path=file,
        chunk_size=int(chunk_size),
        metadata={"monument_id": monument_id, "filename": Path(file).name, "caption": "Gate"},
        upload_checksum=True,
    )
    for _ in range(int(chunks)):
        uploader.upload_chunk()
    print(uploader.url, flush=True)
    data = Path(file).read_bytes()[uploader.offset :]
    address = urlsplit(uploader.url)
    connection = socket.create_connection((address.hostname, address.port))
    head = (
        f"PATCH {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
        f"Authorization: Bearer {key}\r\nTus-Resumable: 1.0.0\r\n"
        "Content-Type: application/offset+octet-stream\r\n"
        f"Upload-Offset: {uploader.offset}\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    connection.sendall(head.encode() + data[: len(data) // 2])
    print(f"sent {uploader.offset + len(data) // 2}", flush=True)
    time.sleep(600)  # the signal never comes back: the test kills this process


def resume(upload_url: str, base_url: str, key: str, file: str, chunk_size: str) -> None:
    """Pick up the upload where the server says it stands, and finish it."""
    uploader = client(base_url, key).uploader(
        file_path=file, url=upload_url, chunk_size=int(chunk_size), upload_checksum=True
    )
    print(f"resuming at {uploader.offset}", flush=True)
    uploader.upload()
    print(f"done at {uploader.offset}", flush=True)


if __name__ == "__main__":
    {"start": start, "resume": resume}[sys.argv[1]](*sys.argv[2:])
