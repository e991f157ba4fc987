"""Signing keys for production tokens: a JWKS from a file or a URL, cached and rotated.

The key set is loaded lazily, off the event loop (a thread, with a time limit), and kept:
- a URL's key set is fetched again after `max_age`; a file is re-read when it changed;
- a token whose `kid` is not in the set triggers one refresh, at most once per
  `unknown_kid_interval`, so forged key ids cannot turn into a flood of fetches;
- a failed load keeps the keys already at hand; without any, tokens are refused
  (KeysUnavailable) and the load is retried after `retry_after_failure`.

Only keys usable for the pinned algorithms are kept: RSA public keys of 2048 bits or more
for RS256, P-256 public keys for ES256, each with a `kid` and for signatures. Private keys
published by mistake, symmetric (`oct`) keys and keys of other algorithms are left out.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWK, PyJWKClient, PyJWKSet

from api.errors import AuthenticationError
from api.settings import SettingsError

log = logging.getLogger(__name__)

ALGORITHMS = ("RS256", "ES256")  # pinned: a token's header picks between these, never beyond
MIN_RSA_BITS = 2048
LOAD_TIMEOUT_SECONDS = 5.0


class KeysUnavailable(AuthenticationError):
    """No key set could be loaded, and none was loaded before."""

    def __init__(self) -> None:
        super().__init__("Signing keys are unavailable; try again later.")


class UnknownKey(AuthenticationError):
    """The key set, refreshed if allowed, has no usable key with this `kid`."""

    def __init__(self) -> None:
        super().__init__("The bearer token is signed with an unknown key.")


@dataclass(frozen=True, slots=True)
class RefreshPolicy:
    max_age: float  # seconds a loaded key set serves before it is checked again
    unknown_kid_interval: float  # an unknown `kid` refreshes at most once per this many seconds
    retry_after_failure: float  # a failed load is not retried sooner than this


URL_POLICY = RefreshPolicy(max_age=600.0, unknown_kid_interval=60.0, retry_after_failure=5.0)
# A file is cheap to check (one stat; it is read again only when it changed).
FILE_POLICY = RefreshPolicy(max_age=10.0, unknown_kid_interval=1.0, retry_after_failure=1.0)


class KeySource(Protocol):
    """Where a key set comes from; `load` blocks and runs in a worker thread."""

    description: str

    def load(self, version: object | None) -> tuple[object | None, PyJWKSet | None]:
        """(version, key set), or (version, None) when unchanged since `version`."""
        ...


class FileSource:
    """A JWKS file, read again only when its inode, modification time or size change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"file {path}"

    def load(self, version: object | None) -> tuple[object | None, PyJWKSet | None]:
        stat = os.stat(self.path)
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if stamp == version:
            return version, None
        return stamp, PyJWKSet.from_json(self.path.read_text(encoding="utf-8"))


class UrlSource:
    """A JWKS endpoint, fetched by PyJWKClient (http(s) only, no redirects, a timeout)."""

    def __init__(self, url: str, *, timeout: float = LOAD_TIMEOUT_SECONDS) -> None:
        self.description = f"URL {url}"
        self._client = PyJWKClient(
            url, cache_jwk_set=False, timeout=timeout, headers={"User-Agent": "referrals-api"}
        )

    def load(self, version: object | None) -> tuple[object | None, PyJWKSet | None]:
        return None, self._client.get_jwk_set(refresh=True)


class JwksStore:
    """The signing keys by `kid`, loaded and refreshed as the module docstring says."""

    def __init__(
        self,
        source: KeySource,
        policy: RefreshPolicy,
        *,
        timeout: float = LOAD_TIMEOUT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.policy = policy
        self.timeout = timeout
        self.loads = 0  # load attempts, for the log and the tests
        self._monotonic = monotonic
        self._keys: dict[str, PyJWK] | None = None
        self._version: object | None = None
        self._checked_at: float | None = None
        self._failed_at: float | None = None
        self._unknown_kid_refresh_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> PyJWK:
        """The usable key with this id; KeysUnavailable or UnknownKey otherwise."""
        if self._due():
            if self._keys is not None and self._lock.locked():
                pass  # another request is refreshing; the keys at hand serve meanwhile
            else:
                async with self._lock:
                    if self._due():
                        await self._load()
        if self._keys is None:
            raise KeysUnavailable
        if (key := self._keys.get(kid)) is not None:
            return key
        async with self._lock:
            if (key := self._keys.get(kid)) is not None:  # refreshed while we waited
                return key
            now = self._monotonic()
            last = self._unknown_kid_refresh_at
            if last is None or now - last >= self.policy.unknown_kid_interval:
                self._unknown_kid_refresh_at = now
                await self._load()
                if (key := self._keys.get(kid)) is not None:
                    return key
        raise UnknownKey

    def _due(self) -> bool:
        now = self._monotonic()
        if self._failed_at is not None and now - self._failed_at < self.policy.retry_after_failure:
            return False
        return self._checked_at is None or now - self._checked_at >= self.policy.max_age

    async def _load(self) -> None:
        self.loads += 1
        try:
            version, loaded = await asyncio.wait_for(
                asyncio.to_thread(self.source.load, self._version), self.timeout
            )
            keys = None if loaded is None else usable_keys(loaded)
            if keys == {}:
                raise ValueError("it has no usable RS256 or ES256 signing key")
        except Exception as error:  # whatever failed, the token gets a 401 and the log the cause
            self._failed_at = self._monotonic()
            log.warning(
                "JWKS %s could not be loaded (%s: %s)%s",
                self.source.description,
                type(error).__name__,
                error,
                "; the keys loaded before stay in use" if self._keys is not None else "",
            )
            return
        self._failed_at = None
        self._checked_at = self._monotonic()
        self._version = version
        if keys is not None:
            if self._keys is not None and keys.keys() != self._keys.keys():
                log.info("JWKS %s now has keys %s", self.source.description, sorted(keys))
            self._keys = keys


def usable_keys(jwk_set: PyJWKSet) -> dict[str, PyJWK]:
    """The set's public signing keys for RS256 (>= 2048 bits) and ES256 (P-256), by `kid`."""
    keys: dict[str, PyJWK] = {}
    for key in jwk_set.keys:
        kid = key.key_id
        if not isinstance(kid, str) or not kid or kid in keys:
            continue
        if key.public_key_use not in (None, "sig"):
            continue
        material = key.key
        if key.algorithm_name == "RS256":
            usable = isinstance(material, RSAPublicKey) and material.key_size >= MIN_RSA_BITS
        elif key.algorithm_name == "ES256":
            usable = isinstance(material, EllipticCurvePublicKey) and isinstance(
                material.curve, SECP256R1
            )
        else:
            usable = False
        if usable:
            keys[kid] = key
        else:
            log.warning("JWKS key %r is left out: not an RS256/ES256 public signing key", kid)
    return keys


def jwks_store(location: str, *, production: bool) -> JwksStore:
    """The store for settings.jwks: an http(s) URL or a file path; SettingsError otherwise."""
    parts = urlsplit(location)
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            raise SettingsError(f"JWKS must be a file path or an http(s) URL, not {location!r}")
        if production and parts.scheme == "http" and not _loopback(parts.hostname):
            raise SettingsError(
                "JWKS must be an https URL in production (plain http only to a loopback address)"
            )
        return JwksStore(UrlSource(location), URL_POLICY)
    if "://" in location:
        raise SettingsError(f"JWKS must be a file path or an http(s) URL, not {location!r}")
    return JwksStore(FileSource(Path(location)), FILE_POLICY)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
