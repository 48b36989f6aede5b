"""File-based keystore for the platform's Ed25519 signing keys.

Private keys never go into the database. Each key is a PKCS#8 PEM file encrypted with a passphrase
(``-----BEGIN ENCRYPTED PRIVATE KEY-----``; ``cryptography``'s ``BestAvailableEncryption`` gives
PBES2 with PBKDF2-HMAC-SHA256, 2,048 iterations, and AES-256-CBC, so operators can also open it with
``openssl pkey -passin env:ZTC_KEY_PASSPHRASE``), in a directory only the service user can read::

    var/keys/                 mode 0700
      keys.json               mode 0600  manifest: key id, status (active|retired), created
      z6Mk....pem             mode 0600  one per key, named by its key id
      .lock                   mode 0600  serialises manifest updates between processes

The key id is the key's Multikey public key (``publicKeyMultibase``, ``z6Mk...``), which is also its
fragment in the DID document (``did:web:host#z6Mk...``); it cannot collide and it lets anyone
check that a key file holds the key it is named after.

Passphrase: the environment variable ``ZTC_KEY_PASSPHRASE``. For development only,
:func:`passphrase_from_env` falls back to :data:`DEV_PASSPHRASE` when asked to
(``allow_dev_default=True``, e.g. when Django's ``DEBUG`` is on); production must set the variable,
to a long random value (2,048 PBKDF2 iterations slow a guesser down very little, so the
passphrase's own entropy is what protects a stolen key file), e.g. ``openssl rand -base64 32``.

Rotation: :meth:`KeyStore.rotate` creates a new key and makes it the single active key; the previous
ones become retired. Retired keys are never used to sign, but they stay in the keystore and in the
DID document (see ``vc.did_document``) so that licences signed with them keep verifying.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    load_pem_private_key,
)

from .vc import MultibaseError, decode_public_key_multibase, encode_public_key_multibase

PASSPHRASE_ENV = "ZTC_KEY_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
KEY_DIR_ENV = "ZTC_KEY_DIR"
# Development only: anyone reading this source knows it. Never used unless allow_dev_default=True.
DEV_PASSPHRASE = "zhitongche-development-only-passphrase"  # noqa: S105
ACTIVE = "active"
RETIRED = "retired"
MANIFEST = "keys.json"


class KeyStoreError(Exception):
    """The keystore cannot do what was asked (unknown key, wrong passphrase, damaged file)."""


def passphrase_from_env(environ: Mapping[str, str] | None = None, *, allow_dev_default: bool = False) -> bytes:
    """The keystore passphrase from ZTC_KEY_PASSPHRASE, or the development default if allowed."""
    value = (os.environ if environ is None else environ).get(PASSPHRASE_ENV, "")
    if value:
        return value.encode("utf-8")
    if allow_dev_default:
        return DEV_PASSPHRASE.encode("utf-8")
    raise KeyStoreError(f"set {PASSPHRASE_ENV} to the keystore passphrase")


@dataclass(frozen=True)
class KeyInfo:
    """A key as listed in the manifest (no private material)."""

    key_id: str
    status: str
    created: str
    public_key: Ed25519PublicKey

    @property
    def active(self) -> bool:
        """True for the key used to sign new credentials."""
        return self.status == ACTIVE


def _write_private_file(path: Path, data: bytes) -> None:
    """Write data to path atomically, readable and writable by the owner only."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        # The mode given to open() is reduced by the umask, never widened; fchmod pins it exactly.
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class KeyStore:
    """Encrypted Ed25519 keys in one directory, with one active key and any number of retired ones."""

    def __init__(self, directory: str | os.PathLike[str], passphrase: bytes) -> None:
        if not passphrase:
            raise KeyStoreError("the keystore passphrase must not be empty")
        self.directory = Path(directory)
        self._passphrase = passphrase
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)

    @classmethod
    def from_env(
        cls,
        default_directory: str | os.PathLike[str],
        environ: Mapping[str, str] | None = None,
        *,
        allow_dev_default: bool = False,
    ) -> KeyStore:
        """A keystore at ZTC_KEY_DIR (or default_directory) with the passphrase from the environment."""
        env = os.environ if environ is None else environ
        directory = env.get(KEY_DIR_ENV) or default_directory
        return cls(directory, passphrase_from_env(env, allow_dev_default=allow_dev_default))

    # ----------------------------------------------------------------- manifest

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the keystore for a read-modify-write of the manifest."""
        fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read_manifest(self) -> list[dict[str, str]]:
        """The manifest's key records, oldest first."""
        try:
            data = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise KeyStoreError(f"unreadable keystore manifest: {exc}") from exc
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
            raise KeyStoreError("damaged keystore manifest")
        return keys

    def _write_manifest(self, records: list[dict[str, str]]) -> None:
        """Replace the manifest atomically."""
        text = json.dumps({"keys": records}, indent=2, ensure_ascii=False) + "\n"
        _write_private_file(self.directory / MANIFEST, text.encode("utf-8"))

    def _set_status(self, key_id: str, status: str) -> None:
        """Give key_id a status; activating it retires every other key."""
        with self._locked():
            records = self._read_manifest()
            if not any(record.get("key_id") == key_id for record in records):
                raise KeyStoreError(f"unknown key {key_id}")
            for record in records:
                if record.get("key_id") == key_id:
                    record["status"] = status
                elif status == ACTIVE and record.get("status") == ACTIVE:
                    record["status"] = RETIRED
            self._write_manifest(records)

    # ----------------------------------------------------------------- public API

    def create_key(self, *, activate: bool = True) -> KeyInfo:
        """Generate a key, store it encrypted, and (by default) make it the active key."""
        private_key = Ed25519PrivateKey.generate()
        key_id = encode_public_key_multibase(private_key.public_key())
        pem = private_key.private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(self._passphrase)
        )
        created = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        with self._locked():
            records = self._read_manifest()
            _write_private_file(self._key_path(key_id), pem)
            if activate:
                for record in records:
                    if record.get("status") == ACTIVE:
                        record["status"] = RETIRED
            records.append({"key_id": key_id, "status": ACTIVE if activate else RETIRED, "created": created})
            self._write_manifest(records)
        return self.get(key_id)

    def rotate(self) -> KeyInfo:
        """Create a new active key; the previous active key becomes retired but stays published."""
        return self.create_key(activate=True)

    def activate(self, key_id: str) -> None:
        """Make key_id the single active key."""
        self._set_status(key_id, ACTIVE)

    def retire(self, key_id: str) -> None:
        """Stop signing with key_id; it stays available for verification."""
        self._set_status(key_id, RETIRED)

    def list_keys(self) -> list[KeyInfo]:
        """All keys, the active one first, then the others from newest to oldest."""
        infos = []
        for record in self._read_manifest():
            try:
                public_key = decode_public_key_multibase(record.get("key_id"))
            except MultibaseError as exc:
                raise KeyStoreError(f"damaged keystore manifest entry {record!r}") from exc
            status = record.get("status")
            if status not in (ACTIVE, RETIRED):
                raise KeyStoreError(f"unknown key status {status!r}")
            infos.append(KeyInfo(record["key_id"], status, str(record.get("created", "")), public_key))
        infos.reverse()
        infos.sort(key=lambda info: not info.active)
        return infos

    def get(self, key_id: str) -> KeyInfo:
        """The manifest entry of one key; KeyStoreError if unknown."""
        for info in self.list_keys():
            if info.key_id == key_id:
                return info
        raise KeyStoreError(f"unknown key {key_id}")

    def active_key(self) -> KeyInfo | None:
        """The key that signs new credentials, if any."""
        return next((info for info in self.list_keys() if info.active), None)

    def load_private_key(self, key_id: str) -> Ed25519PrivateKey:
        """Decrypt one private key, checking that it is the key its id names."""
        self.get(key_id)
        try:
            pem = self._key_path(key_id).read_bytes()
            private_key = load_pem_private_key(pem, password=self._passphrase)
        except (OSError, ValueError, TypeError) as exc:
            raise KeyStoreError(f"cannot load key {key_id}: {exc}") from exc
        if not isinstance(private_key, Ed25519PrivateKey):
            raise KeyStoreError(f"key {key_id} is not an Ed25519 key")
        if encode_public_key_multibase(private_key.public_key()) != key_id:
            raise KeyStoreError(f"key file for {key_id} holds another key")
        return private_key

    def signing_key(self) -> tuple[str, Ed25519PrivateKey]:
        """The active key's id and private key; KeyStoreError when no key is active."""
        info = self.active_key()
        if info is None:
            raise KeyStoreError("no active signing key; create one first")
        return info.key_id, self.load_private_key(info.key_id)

    def public_keys(self) -> list[tuple[str, Ed25519PublicKey, bool]]:
        """(key id, public key, active) for every key, ready for vc.did_document()."""
        return [(info.key_id, info.public_key, info.active) for info in self.list_keys()]

    def _key_path(self, key_id: str) -> Path:
        """Where a key's PEM lives; key ids are base58, so they are safe file names."""
        if not key_id.startswith("z") or not (key_id.isascii() and key_id.isalnum()):
            raise KeyStoreError(f"invalid key id {key_id!r}")
        return self.directory / f"{key_id}.pem"
