"""ServiceAccount tokens: signed JWTs, as Kubernetes' `pkg/serviceaccount` issues and checks them.

One private key signs (`--service-account-signing-key-file`); every key of
`--service-account-key-file` (repeatable) verifies, so a key can be rotated: add the
new public key, switch the signing key, drop the old one when its tokens expired.
Tokens are RS256 (or ES256/384/512 for an EC key) with Kubernetes' claims: `iss`, `sub`
(`system:serviceaccount:<ns>:<name>`), `aud`, `exp`, `iat`, `nbf`, `jti` and the
private `kubernetes.io` claim naming the namespace, the ServiceAccount and the
object the token is bound to (pod, secret or node) with their uids.

A token is only as good as what it is bound to: `authenticate` asks `lookup` (the
API server's watch cache, no store read per request) whether the ServiceAccount and
the bound object still exist with the same uid, so a token of a deleted pod is
refused as soon as the cache sees the delete. As Kubernetes does, a pod being
deleted keeps its token valid for 60 s after its deletionTimestamp, for graceful shutdown.
The key id (`kid`) is the base64url SHA-256 of the public key's DER, as Kubernetes computes it.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kube.apiserver.auth.user import Extra, UserInfo, extra_of

DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local"
CLAIM = "kubernetes.io"
SA_PREFIX = "system:serviceaccount:"
SA_GROUP = "system:serviceaccounts"
EXTRA_PREFIX = "authentication.kubernetes.io/"  # the keys of the extra a ServiceAccount token carries
DELETION_GRACE_SECONDS = 60
VERIFIED_CACHE_SIZE = 10_000
LEEWAY_SECONDS = 60  # clock skew between API servers, on exp and nbf, as Kubernetes' jwt.DefaultLeeway
# (resource plural, namespace, name) -> the object as the watch cache holds it, or None
Lookup = Callable[[str, str, str], dict[str, Any] | None]
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class KeyFileError(ValueError):
    """A key file cannot be used; the message names it (a startup error, in one line)."""


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror}") from exc


def load_private_key(path: str) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path}: not a PEM private key: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyFileError(f"{path}: only RSA and EC keys sign ServiceAccount tokens")
    return key


def load_public_keys(path: str) -> list[PublicKey]:
    """Every key in a PEM file: public keys, private keys (their public half) and certificates."""
    data = _read(path)
    keys: list[PublicKey] = []
    for block in data.split(b"-----END ")[:-1]:
        start = block.rfind(b"-----BEGIN ")
        label = block[start + 11:block.find(b"-----", start + 11)]
        pem = block[start:] + b"-----END " + label + b"-----\n"
        try:
            if label == b"CERTIFICATE":
                key: Any = x509.load_pem_x509_certificate(pem).public_key()
            elif label.endswith(b"PRIVATE KEY"):
                key = serialization.load_pem_private_key(pem, password=None).public_key()
            else:
                key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError) as exc:
            raise KeyFileError(f"{path}: unreadable PEM block {label.decode(errors='replace')}: {exc}") from None
        if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            keys.append(key)
    if not keys:
        raise KeyFileError(f"{path}: no RSA or EC key in it")
    return keys


def key_id(key: PublicKey) -> str:
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


_EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


def _algorithm(key: PublicKey | PrivateKey) -> str:
    """RS256 for RSA keys; for EC keys the ES algorithm of the curve, as Kubernetes picks it."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "RS256"
    return _EC_ALGORITHMS.get(key.curve.name, "ES256")


@dataclass(frozen=True)
class BoundRef:
    """What a token is bound to besides its ServiceAccount (Kubernetes' boundObjectRef)."""

    kind: str  # Pod, Secret or Node
    name: str
    uid: str


def claims_for(issuer: str, audiences: Sequence[str], namespace: str, sa: dict[str, Any], seconds: int,
               bound: BoundRef | None = None, node: BoundRef | None = None, now: float | None = None) -> dict:
    """The JWT claims Kubernetes' TokenRequest puts in a bound token."""
    issued = int(time.time() if now is None else now)
    meta = sa.get("metadata") or {}
    private: dict[str, Any] = {"namespace": namespace,
                               "serviceaccount": {"name": meta.get("name", ""), "uid": meta.get("uid", "")}}
    if bound is not None:
        private[bound.kind.lower()] = {"name": bound.name, "uid": bound.uid}
    if node is not None:
        private["node"] = {"name": node.name, "uid": node.uid}
    return {"aud": list(audiences), "exp": issued + seconds, "iat": issued, "iss": issuer,
            "jti": str(uuid.uuid4()), CLAIM: private, "nbf": issued,
            "sub": f"{SA_PREFIX}{namespace}:{meta.get('name', '')}"}


def _extra(private: dict[str, Any], jti: Any) -> Extra:
    """What Kubernetes' ServiceAccount authenticator adds as extra: the pod and node the token
    is bound to, and the token's own id (so an audit log can name the credential)."""
    pairs: dict[str, list[str]] = {}
    for claim in ("pod", "node"):
        ref = private.get(claim)
        if isinstance(ref, dict) and ref.get("name"):
            pairs[f"{EXTRA_PREFIX}{claim}-name"] = [str(ref["name"])]
            pairs[f"{EXTRA_PREFIX}{claim}-uid"] = [str(ref.get("uid") or "")]
    if isinstance(jti, str) and jti:
        pairs[f"{EXTRA_PREFIX}credential-id"] = [f"JTI={jti}"]
    return extra_of(pairs)


def expiration_timestamp(claims: dict[str, Any]) -> str:
    return datetime.fromtimestamp(claims["exp"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TokenSigner:
    def __init__(self, key: PrivateKey) -> None:
        self._key = key
        self._kid = key_id(key.public_key())
        self._alg = _algorithm(key)

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._key, algorithm=self._alg, headers={"kid": self._kid})


class ServiceAccountTokens:
    """Verifies ServiceAccount JWTs and turns them into users; also serves the OIDC documents."""

    def __init__(self, issuer: str, keys: Sequence[PublicKey], audiences: Sequence[str] = (),
                 lookup: Lookup | None = None, signer: TokenSigner | None = None) -> None:
        self.issuer = issuer
        self.audiences = tuple(audiences) or (issuer,)
        self.signer = signer
        self.lookup = lookup
        self._keys = {key_id(k): k for k in keys}
        self._verified: dict[str, tuple[float, dict[str, Any]]] = {}  # token -> (valid until, claims)

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a token signed by one of our keys, for our issuer and audiences, now valid.

        A signature check costs about 0.7 ms in Python; a verified token's claims are kept
        (as Kubernetes' token cache keeps results) until it expires, so a pod's repeated calls
        cost a dict lookup. The bound-object check is not cached: it runs on every request."""
        now = time.time()
        held = self._verified.get(token)
        if held is not None and now < held[0]:
            return held[1]
        claims = self._verify(token)
        if claims is not None:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified = {k: v for k, v in self._verified.items() if v[0] > now}
                if len(self._verified) >= VERIFIED_CACHE_SIZE:
                    self._verified.clear()
            self._verified[token] = (float(claims["exp"]) + LEEWAY_SECONDS, claims)
        return claims

    def _verify(self, token: str) -> dict[str, Any] | None:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return None
        kid = header.get("kid")
        candidates = [self._keys[kid]] if kid in self._keys else list(self._keys.values())
        for key in candidates:
            try:
                return jwt.decode(token, key, algorithms=[_algorithm(key)], audience=list(self.audiences),
                                  issuer=self.issuer, leeway=LEEWAY_SECONDS,
                                  options={"require": ["exp", "iat", "sub", "iss", "aud"]})
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError:
                return None
        return None

    def authenticate(self, token: str) -> UserInfo | None:
        if token.count(".") != 2:
            return None
        claims = self.verify(token)
        if claims is None:
            return None
        private = claims.get(CLAIM)
        sub = claims.get("sub")
        if not isinstance(private, dict) or not isinstance(sub, str) or not sub.startswith(SA_PREFIX):
            return None
        namespace = private.get("namespace")
        sa = private.get("serviceaccount") or {}
        if not isinstance(namespace, str) or not isinstance(sa, dict) or sub != f"{SA_PREFIX}{namespace}:{sa.get('name')}":
            return None
        if not self._still_bound(namespace, private):
            return None
        return UserInfo(sub, (SA_GROUP, f"{SA_GROUP}:{namespace}"), str(sa.get("uid") or ""),
                        _extra(private, claims.get("jti")))

    def _still_bound(self, namespace: str, private: dict[str, Any]) -> bool:
        if self.lookup is None:
            return True
        checks = [("serviceaccounts", "serviceaccount"), ("pods", "pod"), ("secrets", "secret")]
        if "pod" not in private:
            checks.append(("nodes", "node"))  # a token bound to a node itself (a pod's names its node too)
        for plural, claim in checks:
            ref = private.get(claim)
            if ref is None and plural != "serviceaccounts":
                continue
            if not isinstance(ref, dict):
                return False
            obj = self.lookup(plural, namespace, str(ref.get("name", "")))
            meta = (obj or {}).get("metadata") or {}
            if obj is None or meta.get("uid") != ref.get("uid"):
                return False
            if plural == "pods" and _deleted_long_ago(meta.get("deletionTimestamp")):
                return False
        return True

    def openid_configuration(self, base_url: str) -> dict[str, Any]:
        """`/.well-known/openid-configuration`, as Kubernetes' ServiceAccountIssuerDiscovery serves it."""
        algs = sorted({_algorithm(k) for k in self._keys.values()})
        return {"issuer": self.issuer, "jwks_uri": f"{base_url}/openid/v1/jwks",
                "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": algs}

    def jwks(self) -> dict[str, Any]:
        """`/openid/v1/jwks`: every verification key, so others can check our tokens."""
        keys = []
        for kid, key in self._keys.items():
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key, as_dict=True) if isinstance(key, rsa.RSAPublicKey) \
                else jwt.algorithms.ECAlgorithm.to_jwk(key, as_dict=True)
            keys.append({"use": "sig", **jwk, "kid": kid, "alg": _algorithm(key)})
        return {"keys": keys}


def _deleted_long_ago(stamp: Any) -> bool:
    if not isinstance(stamp, str) or not stamp:
        return False
    try:
        when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return True
    return when + DELETION_GRACE_SECONDS < time.time()


def ensure_signing_key(key_path: str, public_path: str) -> None:
    """An RSA signing key (0600) and its public half, made once: `kube up`'s and the playbooks' keys."""
    import os

    if os.path.exists(key_path) and os.path.exists(public_path):
        return
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(public_path, "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))


def from_flags(signing_key_file: str, key_files: Sequence[str], issuer: str, audiences: Sequence[str],
               lookup: Lookup | None = None) -> ServiceAccountTokens | None:
    """The configured tokens, or None when no key is given (then no ServiceAccount token is issued or accepted).

    As Kubernetes: the signing key's public half always verifies; with only key files, tokens
    are verified but none issued."""
    if not signing_key_file and not key_files:
        return None
    keys: list[PublicKey] = []
    signer = None
    if signing_key_file:
        private = load_private_key(signing_key_file)
        signer = TokenSigner(private)
        keys.append(private.public_key())
    for path in key_files:
        keys.extend(load_public_keys(path))
    return ServiceAccountTokens(issuer or DEFAULT_ISSUER, keys, audiences, lookup, signer)
