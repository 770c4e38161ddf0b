"""Encryption at rest and blind indexes for personal data (DESIGN "Personal data").

* Values (ID numbers, phones, bank accounts) are sealed with AES-256-GCM, an authenticated cipher:
  ``v1:`` + base64url(nonce ‖ ciphertext ‖ tag). The prefix names the key version so keys can rotate.
* Exact-match lookups and department matching use a blind index: HMAC-SHA256 of the normalised
  value under a separate derived key, truncated to 128 bits (32 hex characters). Equal IDs give
  equal indexes; the index reveals nothing without the key.

The master key comes from ``SHOUWANG_DATA_KEY`` (32 bytes, base64). The embedded default creates
``var/keys/data.key`` on first use so a laptop install works with no setup; production must set
the variable (see docs/decisions/0003-personal-data-encryption.md).
"""

import base64
import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

VERSION = "v1"


class KeyError_(RuntimeError):
    pass


def _load_master_key() -> bytes:
    raw = settings.SHOUWANG_DATA_KEY
    if not raw:
        path = settings.SHOUWANG_KEY_DIR / "data.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(base64.b64encode(secrets.token_bytes(32)).decode())
        raw = path.read_text().strip()
    key = base64.b64decode(raw)
    if len(key) != 32:
        raise KeyError_("SHOUWANG_DATA_KEY 必须是32字节密钥的base64编码")
    return key


@lru_cache(maxsize=1)
def _keys() -> tuple[AESGCM, bytes]:
    master = _load_master_key()
    # Separate keys for sealing and for the blind index, derived from one master key.
    enc = hmac.new(master, b"shouwang-seal-v1", hashlib.sha256).digest()
    idx = hmac.new(master, b"shouwang-blind-index-v1", hashlib.sha256).digest()
    return AESGCM(enc), idx


def reset_key_cache() -> None:
    _keys.cache_clear()


def seal(value: str) -> str:
    return seal_many([value])[0]


def unseal(token: str) -> str:
    version, _, body = token.partition(":")
    if version != VERSION:
        raise KeyError_(f"未知的密钥版本 {version}")
    aead, _ = _keys()
    data = base64.urlsafe_b64decode(body)
    return aead.decrypt(data[:12], data[12:], VERSION.encode()).decode()


def blind_index(value: str) -> str:
    _, key = _keys()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()[:32]


def blind_index_many(values: list[str]) -> list[str]:
    """The bulk form used by imports (same result as ``blind_index`` per value)."""
    _, key = _keys()
    base = hmac.new(key, digestmod=hashlib.sha256)
    out = []
    for v in values:
        h = base.copy()
        h.update(v.strip().upper().encode())
        out.append(h.hexdigest()[:32])
    return out


def seal_many(values: list[str]) -> list[str]:
    """The bulk form of ``seal``: the nonces are drawn from the OS's CSPRNG in one call."""
    aead, _ = _keys()
    ad = VERSION.encode()
    enc, encrypt = base64.urlsafe_b64encode, aead.encrypt
    nonces = secrets.token_bytes(12 * len(values))
    prefix = f"{VERSION}:"
    out = []
    for i, v in enumerate(values):
        nonce = nonces[12 * i : 12 * i + 12]
        out.append(prefix + enc(nonce + encrypt(nonce, v.encode(), ad)).decode())
    return out


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "*" * len(value)
