"""Webhook signing secrets: made here, shown once, and kept sealed at rest.

The database holds each secret encrypted and authenticated (Fernet: AES-128-CBC with
HMAC-SHA256) under a key derived from WEBHOOK_SECRET_KEY, so a copy of the database (a
backup, a read replica's dump) does not let anyone forge our signatures. The delivery worker
unseals a secret only to sign.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet

# "whsec_" as Stripe and Svix spell theirs, so a leaked one is recognisable in logs and scans.
PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes (256 bits), URL-safe."""
    return PREFIX + secrets.token_urlsafe(32)


def _fernet(key: str) -> Fernet:
    # Any string of 32+ characters as a setting; Fernet wants 32 bytes in URL-safe base64.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def seal(secret: str, key: str) -> str:
    return _fernet(key).encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str, key: str) -> str:
    """The secret; cryptography.fernet.InvalidToken when WEBHOOK_SECRET_KEY changed."""
    return _fernet(key).decrypt(sealed.encode("ascii")).decode()
