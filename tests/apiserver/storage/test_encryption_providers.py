"""Encryption at rest, below the server: the providers' byte layout (read back with the bare
primitives, as an operator would outside the server) and EncryptionConfiguration parsing."""

from __future__ import annotations

import base64
import os

import nacl.secret
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kube.api.registry import KINDS
from kube.apiserver.storage.encryption_config import EncryptionConfigError, parse
from kube.apiserver.storage.encryption_providers import (
    AESCBC,
    AESGCMTransformer,
    Identity,
    ProviderChain,
    SecretBox,
    TransformError,
)

KEY = b"k" * 32
CTX = b"/registry/secrets/default/s1"


def config(*providers: dict, resources: tuple[str, ...] = ("secrets",)) -> dict:
    return {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
            "resources": [{"resources": list(resources), "providers": list(providers)}]}


def keyed(kind: str, name: str = "key1", secret: bytes = KEY) -> dict:
    return {kind: {"keys": [{"name": name, "secret": base64.b64encode(secret).decode()}]}}


def test_aescbc_layout_is_kubernetes() -> None:
    stored = ProviderChain((AESCBC("key1", KEY),)).encrypt(b'{"a":1}', CTX)
    prefix = b"k8s:enc:aescbc:v1:key1:"
    assert stored.startswith(prefix)
    iv, body = stored[len(prefix):len(prefix) + 16], stored[len(prefix) + 16:]
    dec = Cipher(algorithms.AES(KEY), modes.CBC(iv)).decryptor()
    padded = dec.update(body) + dec.finalize()
    assert padded[:-padded[-1]] == b'{"a":1}' and padded[-padded[-1]:] == bytes([padded[-1]]) * padded[-1]


def test_aesgcm_layout_authenticates_the_key() -> None:
    chain = ProviderChain((AESGCMTransformer("k2", KEY),))
    stored = chain.encrypt(b"plain", CTX)
    body = stored[len(b"k8s:enc:aesgcm:v1:k2:"):]
    assert AESGCM(KEY).decrypt(body[:12], body[12:], CTX) == b"plain"
    with pytest.raises(TransformError, match="message authentication failed"):
        chain.decrypt(stored, b"/registry/secrets/default/other")  # moved to another key: refused


def test_secretbox_layout_is_nacl() -> None:
    stored = ProviderChain((SecretBox("sb", KEY),)).encrypt(b"plain", CTX)
    body = stored[len(b"k8s:enc:secretbox:v1:sb:"):]
    assert nacl.secret.SecretBox(KEY).decrypt(body[24:], body[:24]) == b"plain"


def test_first_writes_all_read_and_identity_migrates() -> None:
    old = AESCBC("old", os.urandom(32))
    new = AESGCMTransformer("new", os.urandom(32))
    written_old = ProviderChain((old,)).encrypt(b"x", CTX)
    rotated = ProviderChain((new, old, Identity()))
    assert rotated.decrypt(written_old, CTX) == b"x"
    assert rotated.decrypt(b'{"plain":true}', CTX) == b'{"plain":true}'
    assert rotated.encrypt(b"x", CTX).startswith(b"k8s:enc:aesgcm:v1:new:")
    decrypting_out = ProviderChain((Identity(), new, old))  # identity first: writes plaintext, still reads both
    assert decrypting_out.encrypt(b"x", CTX) == b"x" and decrypting_out.decrypt(written_old, CTX) == b"x"


def test_unknown_key_and_wrong_key_are_named() -> None:
    stored = ProviderChain((AESCBC("gone", KEY),)).encrypt(b"x" * 40, CTX)
    with pytest.raises(TransformError, match="no matching prefix found"):
        ProviderChain((AESCBC("key1", KEY),)).decrypt(stored, CTX)
    with pytest.raises(TransformError, match="identity transformer tried to read encrypted data|no matching"):
        ProviderChain((Identity(),)).decrypt(stored, CTX)
    with pytest.raises(TransformError, match="padding|PKCS7"):
        ProviderChain((AESCBC("gone", b"z" * 32),)).decrypt(stored, CTX)
    with pytest.raises(TransformError, match="shorter"):
        ProviderChain((AESCBC("gone", KEY),)).decrypt(b"k8s:enc:aescbc:v1:gone:abc", CTX)


def test_config_maps_resources_to_store_prefixes() -> None:
    chains = parse(config(keyed("aescbc"), {"identity": {}}, resources=("secrets", "configmaps")), KINDS)
    assert set(chains) == {"/registry/secrets/", "/registry/configmaps/"}
    everything = parse(config(keyed("secretbox"), resources=("*.*",)), KINDS)
    assert len(everything) == len({k.key_prefix() for k in KINDS})
    apps = parse(config(keyed("aesgcm"), resources=("*.apps",)), KINDS)
    assert "/registry/deployments/" in apps and "/registry/secrets/" not in apps


@pytest.mark.parametrize(("doc", "message"), [
    ({"kind": "Nope"}, 'kind must be "EncryptionConfiguration"'),
    (config(keyed("aescbc", secret=b"short")), "secret is not of the expected length, got 5"),
    (config({"aescbc": {"keys": [{"name": "a", "secret": "%%%"}]}}), "must be base64"),
    (config(keyed("secretbox", secret=b"k" * 16)), "expected one of \\[32\\]"),
    (config({"kms": {"name": "x"}}), "KMS plugins are not supported"),
    (config({"rot13": {}}), 'Unsupported value: "rot13"'),
    (config({"aescbc": {"keys": []}}), "at least one key"),
    (config(keyed("aescbc", name="a:b")), 'should not contain ":"'),
    (config(), "at least one provider"),
    ({**config(keyed("aescbc")), "resources": [{"resources": ["secrets"], "providers": [{"identity": {}}]}] * 2},
     "Duplicate value: 'secrets'"),
])
def test_config_errors_are_one_line(doc: dict, message: str) -> None:
    with pytest.raises(EncryptionConfigError, match=message) as info:
        parse(doc, KINDS)
    assert "\n" not in str(info.value) and base64.b64encode(KEY).decode() not in str(info.value)
