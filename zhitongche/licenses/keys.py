"""The platform's issuer identity: its did:web, its keystore, its DID document and key resolution.

- The DID host is ``settings.ZTC_DID_HOST`` (env ``ZTC_DID_HOST``) or, when unset, the host and port
  of ``PUBLIC_BASE_URL`` with ``127.0.0.1``/``::1``/``0.0.0.0`` mapped to ``localhost`` (did:web forbids
  IP addresses). ``http://127.0.0.1:8000`` gives ``did:web:localhost%3A8000``.
- Keys live in the file keystore at ``settings.ZTC_KEY_DIR`` (default ``VAR_DIR/keys``), encrypted with
  ``ZTC_KEY_PASSPHRASE``; the development passphrase is allowed only when ``DEBUG`` is on or
  ``settings.ZTC_KEY_DEV_PASSPHRASE`` is set (tests). A missing active key is created on first use.
- Our own did:web is resolved from the keystore, never over the network; did:key is resolved locally;
  any other DID is unknown.

Per-process caches (decrypted keys, the DID document) are safe across processes: keys are immutable
once created, and the DID document is rebuilt whenever the keystore manifest changes (checked at most
once a second), so a `ztc keys rotate` in another process is seen within a second.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from zhitongche.core.errors import DomainError

from . import vc
from .keystore import MANIFEST, KeyStore, KeyStoreError, passphrase_from_env

LOOPBACK = {"127.0.0.1", "::1", "0.0.0.0", "[::1]"}  # noqa: S104 — names we map, not a bind address
_lock = threading.Lock()
_private_keys: dict[tuple[str, str], Ed25519PrivateKey] = {}
_document_cache: dict[str, Any] = {}
# Names derived from settings, read on every verification (a settings attribute costs a LazyObject lookup).
_names: dict[str, str] = {}


@receiver(setting_changed)
def _forget_names(*, setting: str, **kwargs: Any) -> None:
    if setting in ("PUBLIC_BASE_URL", "ZTC_DID_HOST"):
        _names.clear()


class SigningUnavailable(DomainError):
    """The keystore cannot be opened (no passphrase in production, damaged files)."""

    def __init__(self, detail: str):
        super().__init__("signing_unavailable", f"签名密钥不可用：{detail}", status=503)


def public_base_url() -> str:
    """The public address without a trailing slash."""
    return str(settings.PUBLIC_BASE_URL).rstrip("/")


def did_host() -> str:
    """The host (and port) of our did:web."""
    return _did_host(str(getattr(settings, "ZTC_DID_HOST", "") or ""), public_base_url())


@functools.lru_cache(maxsize=8)
def _did_host(configured: str, base_url: str) -> str:
    if configured:
        return configured
    parts = urlsplit(base_url)
    host = parts.hostname or "localhost"
    if host in LOOPBACK:
        host = "localhost"
    return f"{host}:{parts.port}" if parts.port else host


def issuer_did() -> str:
    """Our issuer DID, e.g. did:web:localhost%3A8000."""
    did = _names.get("did")
    if did is None:
        did = _names["did"] = _did_web(did_host())
    return did


@functools.lru_cache(maxsize=8)
def _did_web(host: str) -> str:
    return vc.did_web(host)


def status_list_url(list_id: int) -> str:
    """The public URL of one status list credential."""
    return f"{status_list_prefix()}{list_id}"


def status_list_prefix() -> str:
    """What every one of our status list URLs starts with."""
    prefix = _names.get("status_prefix")
    if prefix is None:
        prefix = _names["status_prefix"] = f"{public_base_url()}/credentials/status/"
    return prefix


def keystore() -> KeyStore:
    """The keystore configured in settings."""
    allow_dev = bool(settings.DEBUG or getattr(settings, "ZTC_KEY_DEV_PASSPHRASE", False))
    try:
        return KeyStore(settings.ZTC_KEY_DIR, passphrase_from_env(allow_dev_default=allow_dev))
    except (KeyStoreError, OSError) as exc:
        raise SigningUnavailable(str(exc)) from exc


def _manifest_stamp(store: KeyStore) -> tuple[str, float]:
    try:
        return str(store.directory), os.stat(store.directory / MANIFEST).st_mtime_ns
    except FileNotFoundError:
        return str(store.directory), 0


def active_key_id(*, create: bool = True) -> str:
    """The id of the key that signs new credentials; creates the first key when the keystore is empty."""
    store = keystore()
    try:
        info = store.active_key()
        if info is None and create:
            with _lock:
                info = store.active_key() or store.create_key()
    except (KeyStoreError, OSError) as exc:
        raise SigningUnavailable(str(exc)) from exc
    if info is None:
        raise SigningUnavailable("没有启用的密钥")
    return info.key_id


def private_key(key_id: str) -> Ed25519PrivateKey:
    """A decrypted private key, cached for the life of the process."""
    store = keystore()
    cache_key = (str(store.directory), key_id)
    key = _private_keys.get(cache_key)
    if key is None:
        try:
            key = store.load_private_key(key_id)
        except (KeyStoreError, OSError) as exc:
            raise SigningUnavailable(str(exc)) from exc
        _private_keys[cache_key] = key
    return key


def verification_method(key_id: str) -> str:
    """The verificationMethod id of one of our keys."""
    return vc.verification_method_id(issuer_did(), key_id)


def _current_document() -> dict[str, Any]:
    """The DID document and its resolver, rebuilt when the keystore manifest or the DID changed."""
    now = time.monotonic()
    cached = _document_cache.get("entry")
    if cached and now - cached["checked"] < 1.0 and cached["directory"] == str(settings.ZTC_KEY_DIR):
        return cached
    store = keystore()
    stamp = _manifest_stamp(store)
    did = issuer_did()
    if cached and cached["stamp"] == stamp and cached["did"] == did:
        cached["checked"] = now
        return cached
    try:
        keys = store.public_keys()
    except (KeyStoreError, OSError) as exc:
        raise SigningUnavailable(str(exc)) from exc
    document = vc.did_document(did, keys)
    entry = {
        "checked": now, "stamp": stamp, "did": did, "directory": str(settings.ZTC_KEY_DIR),
        "document": document, "resolve": vc.resolver_for_did_document(document),
    }
    _document_cache["entry"] = entry
    return entry


def did_document() -> dict[str, Any]:
    """Our DID document: every key, active first, retired ones kept so old credentials verify."""
    if not keystore().list_keys():
        active_key_id()
    return _current_document()["document"]


def resolve_key(verification_method_id: str) -> Ed25519PublicKey | None:
    """Resolve a verification method locally: our did:web keys, or any did:key; None otherwise."""
    if verification_method_id.startswith("did:key:"):
        return vc.resolve_did_key(verification_method_id)
    return _current_document()["resolve"](verification_method_id)  # type: ignore[no-any-return]


def reset_caches() -> None:
    """Forget cached keys and documents (tests that switch keystores)."""
    _private_keys.clear()
    _document_cache.clear()
    _names.clear()
