"""The registry's Ed25519 signing key: made on first use, kept in one file, published by
its public half."""

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"


@dataclass(frozen=True)
class SigningKey:
    """The private key, with what is published of it."""

    private: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        """The 32 bytes of the public key."""
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def public_pem(self) -> str:
        """The public key as PEM (SubjectPublicKeyInfo)."""
        return (
            self.private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    @property
    def key_id(self) -> str:
        """A short name for the key: the start of the SHA-256 of its public bytes."""
        return key_id(self.public_raw)

    def sign(self, data: bytes) -> bytes:
        """The signature of these bytes."""
        return self.private.sign(data)


def key_id(public_raw: bytes) -> str:
    """The key id of a public key (its raw 32 bytes)."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def load_or_create(path: Path) -> SigningKey:
    """The key in this file, made there first if there is none (owner-only permissions)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Written whole under another name, then linked into place: two processes starting
        # at once keep one key (the first linked), and no reader sees half a file.
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(pem)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{path} holds no Ed25519 private key.")
    return SigningKey(private=private)


def b64(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def verify(public_b64: str, signature_b64: str, data: bytes) -> bool:
    """Whether the signature over `data` was made by this public key."""
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64, validate=True))
        public.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
