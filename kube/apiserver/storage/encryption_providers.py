"""The value transformers of encryption at rest, byte for byte as Kubernetes lays them out.

Every encrypted value is `k8s:enc:<provider>:v1:<key name>:` followed by:

- aescbc: a 16-byte random IV, then AES-CBC of the value with PKCS#7 padding;
- aesgcm: a 12-byte random nonce, then AES-GCM of the value (tag appended), the
  store key as additional authenticated data (Kubernetes' etcd3 store passes the key);
- secretbox: a 24-byte random nonce, then NaCl secretbox (XSalsa20-Poly1305).

`identity` writes the value as it is and reads anything without the `k8s:enc:`
prefix, so it is how a cluster moves into or out of encryption. A resource's
providers are tried in order on read (`ProviderChain`), the first one writes:
that is what makes key rotation a matter of re-writing every object.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

import nacl.exceptions
import nacl.secret
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENCRYPTED_PREFIX = b"k8s:enc:"
AES_KEY_SIZES = (16, 24, 32)
SECRETBOX_KEY_SIZE = 32
_BLOCK = 16


class TransformError(ValueError):
    """A stored value no configured provider can read (the message says why)."""


class Transformer(Protocol):
    prefix: bytes

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes: ...

    def decrypt(self, data: bytes, context: bytes) -> bytes: ...


def envelope_prefix(provider: str, key_name: str) -> bytes:
    return f"k8s:enc:{provider}:v1:{key_name}:".encode()


class AESCBC:
    """Kubernetes' aescbc: IV + CBC(PKCS#7(value)); no authentication, as upstream."""

    def __init__(self, key_name: str, key: bytes) -> None:
        self.prefix = envelope_prefix("aescbc", key_name)
        self._key = key

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        pad = _BLOCK - len(plaintext) % _BLOCK
        iv = os.urandom(_BLOCK)
        enc = Cipher(algorithms.AES(self._key), modes.CBC(iv)).encryptor()
        return iv + enc.update(plaintext + bytes([pad]) * pad) + enc.finalize()

    def decrypt(self, data: bytes, context: bytes) -> bytes:
        if len(data) < _BLOCK:
            raise TransformError("the stored data was shorter than the required size")
        iv, body = data[:_BLOCK], data[_BLOCK:]
        if len(body) % _BLOCK:
            raise TransformError("the stored data is not a multiple of the block size")
        dec = Cipher(algorithms.AES(self._key), modes.CBC(iv)).decryptor()
        out = dec.update(body) + dec.finalize()
        pad = out[-1] if out else 0
        if not out or pad == 0 or pad > _BLOCK or out[-pad:] != bytes([pad]) * pad:
            raise TransformError("invalid PKCS7 data (empty or not padded)" if not out else "invalid padding on input")
        return out[:-pad]


class AESGCMTransformer:
    """Kubernetes' aesgcm: nonce + GCM seal, authenticated with the store key."""

    def __init__(self, key_name: str, key: bytes) -> None:
        self.prefix = envelope_prefix("aesgcm", key_name)
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext, context)

    def decrypt(self, data: bytes, context: bytes) -> bytes:
        if len(data) < 12 + 16:
            raise TransformError("the stored data was shorter than the required size")
        try:
            return self._aead.decrypt(data[:12], data[12:], context)
        except InvalidTag:
            raise TransformError("cipher: message authentication failed") from None


class SecretBox:
    """Kubernetes' secretbox: nonce + NaCl secretbox (XSalsa20-Poly1305), via PyNaCl."""

    def __init__(self, key_name: str, key: bytes) -> None:
        self.prefix = envelope_prefix("secretbox", key_name)
        self._box = nacl.secret.SecretBox(key)

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        return bytes(self._box.encrypt(plaintext))  # nonce (24 bytes) + box, Go's secretbox.Seal layout

    def decrypt(self, data: bytes, context: bytes) -> bytes:
        if len(data) < nacl.secret.SecretBox.NONCE_SIZE + nacl.secret.SecretBox.MACBYTES:
            raise TransformError("the stored data was shorter than the required size")
        try:
            return bytes(self._box.decrypt(data))
        except nacl.exceptions.CryptoError:
            raise TransformError("output array was not large enough for encryption") from None


class Identity:
    """No encryption; refuses encrypted data so the next provider can read it."""

    prefix = b""

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        return plaintext

    def decrypt(self, data: bytes, context: bytes) -> bytes:
        if data.startswith(ENCRYPTED_PREFIX):
            raise TransformError("identity transformer tried to read encrypted data")
        return data


@dataclass(frozen=True)
class ProviderChain:
    """One resource's transformers in configuration order: the first writes, any reads."""

    transformers: tuple[Transformer, ...]

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        first = self.transformers[0]
        return first.prefix + first.encrypt(plaintext, context)

    def decrypt(self, data: bytes, context: bytes) -> bytes:
        return self.decrypt_stale(data, context)[0]

    def decrypt_stale(self, data: bytes, context: bytes) -> tuple[bytes, bool]:
        """The plaintext, and whether a provider other than the writing one read it."""
        errors: list[str] = []
        for i, t in enumerate(self.transformers):
            if not data.startswith(t.prefix):
                continue
            try:
                return t.decrypt(data[len(t.prefix):], context), i != 0
            except TransformError as exc:
                if not t.prefix and data.startswith(ENCRYPTED_PREFIX):
                    continue  # identity met an encrypted value: the others may hold its key
                errors.append(str(exc))
        if errors:
            raise TransformError(errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
        raise TransformError("no matching prefix found")

    @property
    def writes_plaintext(self) -> bool:
        return not self.transformers[0].prefix
