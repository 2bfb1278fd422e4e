"""A partner's locked private space: every private answer sealed with their passphrase.

A partner may lock their whole private space. From then on the journal holds
that partner's answers, their history and anything waiting to be saved only
as one sealed vault: JSON encrypted with AES-GCM under a key derived from the
passphrase with Argon2id (OWASP's recommended setting: 46 MiB, one pass). The plain rows are deleted in the same transaction
(``secure_delete`` overwrites them), so neither the SQLite file, nor a copy of
it, nor the browser's storage in a group session holds a readable word.

While the owner has the space open, the key and the decrypted answers live in
the kernel's memory only; closing the space forgets both. A forgotten
passphrase cannot be recovered: nothing here can open a vault without it.

This module holds the cryptography only; ``journal.LockedView`` reads and
writes an open vault with the same calls as ``journal.PartnerView``, so
exercises do not need to know whether a space is locked.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import unicodedata
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

MIN_PASSPHRASE = 8
#: Argon2id cost: about a quarter of a second and 46 MiB on a laptop, once per opening
KDF = {"name": "argon2id", "memory_cost": 46 * 1024, "iterations": 1, "lanes": 1}
#: the only settings a vault may ask for: a vault header is read from the file, so it is not trusted
KNOWN_KDFS = (KDF,)
#: sealed texts are padded to a multiple of this, so their size says little about how much was written
PAD_TO = 4096
VAULT_VERSION = 1


class WrongPassphrase(Exception):
    """The passphrase does not open this vault."""


class DamagedVault(Exception):
    """The vault's header is not one this version wrote: it cannot be opened, with any passphrase."""


def normal(passphrase: str) -> str:
    """The same words typed on any keyboard give the same key (NFC: "café" is always one form)."""
    return unicodedata.normalize("NFC", passphrase)


def long_enough(passphrase: str) -> bool:
    return len(normal(passphrase).strip()) >= MIN_PASSPHRASE


def new_header() -> dict:
    return {"v": VAULT_VERSION, "kdf": dict(KDF), "salt": base64.b64encode(os.urandom(16)).decode()}


def derive_key(passphrase: str, header: dict) -> bytes:
    kdf = header.get("kdf") if isinstance(header, dict) else None
    if kdf not in KNOWN_KDFS:
        raise DamagedVault
    try:
        salt = base64.b64decode(header["salt"], validate=True)
    except (KeyError, ValueError, TypeError) as exc:
        raise DamagedVault from exc
    if len(salt) != 16:
        raise DamagedVault
    return Argon2id(salt=salt, length=32, iterations=kdf["iterations"], lanes=kdf["lanes"],
                    memory_cost=kdf["memory_cost"]).derive(normal(passphrase).encode("utf-8"))


def seal(key: bytes, data: Any, purpose: str) -> str:
    """JSON-encode ``data``, pad it, encrypt it; the result is text safe for SQLite and JSON."""
    plain = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    plain += b" " * (-len(plain) % PAD_TO)
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plain, purpose.encode())).decode("ascii")


def unseal(key: bytes, token: str, purpose: str) -> Any:
    try:
        raw = base64.b64decode(token)
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], purpose.encode())
        return json.loads(plain.decode("utf-8"))
    except (InvalidTag, ValueError, TypeError) as exc:
        raise WrongPassphrase from exc


def vault_purpose(slot: str) -> str:
    return f"closer-again-vault-{VAULT_VERSION}:{slot}"


def empty_contents() -> dict:
    return {"answers": {}, "history": []}


class OpenVault:
    """An opened vault: the key and the decrypted answers, in memory only."""

    def __init__(self, slot: str, header: dict, key: bytes, contents: dict, stamp: str):
        self.slot = slot
        self.header = header
        self.key = key
        self.contents = contents
        self.stamp = stamp  # which sealed version these contents came from

    @classmethod
    def unlock(cls, slot: str, header: dict, sealed: str, stamp: str, passphrase: str) -> "OpenVault":
        key = derive_key(passphrase, header)
        return cls(slot, header, key, unseal(key, sealed, vault_purpose(slot)), stamp)

    def reload(self, sealed: str, stamp: str) -> None:
        self.contents = unseal(self.key, sealed, vault_purpose(self.slot))
        self.stamp = stamp

    def sealed(self) -> str:
        return seal(self.key, self.contents, vault_purpose(self.slot))

    def forget(self) -> None:
        self.key = b""
        self.contents = empty_contents()


def new_stamp() -> str:
    return secrets.token_hex(8)
