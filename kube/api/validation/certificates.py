"""Validation of certificates.k8s.io/v1 CertificateSigningRequests, in the words of Kubernetes'
`pkg/apis/certificates/validation` (validateCSR, ValidateSignerName, validateConditions)."""

from __future__ import annotations

from typing import Any

from kube.api import certificates as csrs
from kube.api.errors import duplicate, forbidden, invalid, not_supported, required
from kube.api.validation.field_types import Errors, dict_elements, get_dict, get_int, get_list, get_str
from kube.api.validation.names import dns1123_label_problems
from kube.api.validation.object_meta import validate_object_meta

_TRUE_ONLY = (csrs.APPROVED, csrs.DENIED, csrs.FAILED)
_SIGNER_FORM = "must be a fully qualified domain and path of the form 'example.com/signer-name'"
CERTIFICATE_DATA = "<certificate data>"


def validate_signer_name(path: str, signer: str) -> Errors:
    if not signer:
        return [required(path)]
    segments = signer.split("/")
    if len(segments) != 2:
        return [invalid(path, signer, _SIGNER_FORM)]
    errs: Errors = []
    domain, rest = segments
    if len(domain) > 253:
        errs.append(invalid(path, domain, "must be no more than 253 characters"))
    labels = domain.split(".")
    for label in labels:
        problems = dns1123_label_problems(label)
        if problems:
            errs += [invalid(path, domain, f'validating label "{label}": {p}') for p in problems]
            break
    if len(labels) < 2:
        errs.append(invalid(path, domain, "should be a domain with at least two segments separated by dots"))
    for label in rest.split("."):
        problems = dns1123_label_problems(label)
        if problems:
            errs += [invalid(path, rest, f'validating label "{label}": {p}') for p in problems]
            break
    if len(rest) > 253 - 63 - 1:
        errs.append(invalid(path, rest, "must be no more than 189 characters"))
    return errs


def _usages(spec: dict[str, Any], errs: Errors) -> None:
    usages = get_list(spec, "usages", "spec", errs)
    if not usages:
        if usages is not None or "usages" not in spec:
            errs.append(required("spec.usages"))
        return
    seen: set[str] = set()
    for i, usage in enumerate(usages):
        if not isinstance(usage, str):
            errs.append(invalid(f"spec.usages[{i}]", usage, "must be of type string"))
            continue
        if usage and usage not in csrs.USAGES:
            errs.append(not_supported(f"spec.usages[{i}]", usage, sorted(csrs.USAGES)))
        if usage in seen:
            errs.append(duplicate(f"spec.usages[{i}]", usage))
        seen.add(usage)


def _conditions(status: dict[str, Any], errs: Errors) -> set[str]:
    path = "status.conditions"
    seen: set[str] = set()
    for i, where, cond in dict_elements(get_list(status, "conditions", "status", errs), path, errs):
        kind = get_str(cond, "type", where, errs) or ""
        value = get_str(cond, "status", where, errs) or ""
        if not kind:
            errs.append(required(f"{where}.type"))
        if kind in _TRUE_ONLY:
            if value != "True":
                errs.append(not_supported(f"{where}.status", value, ["True"]))
        elif value not in ("True", "False", "Unknown"):
            errs.append(not_supported(f"{where}.status", value, ["False", "True", "Unknown"]))
        for key in ("reason", "message", "lastUpdateTime", "lastTransitionTime"):
            get_str(cond, key, where, errs)
        if kind in seen:
            errs.append(duplicate(f"{path}[{i}].type", kind))
        seen.add(kind)
    if csrs.APPROVED in seen and csrs.DENIED in seen:
        errs.append(invalid(path, csrs.DENIED, "Approved and Denied conditions are mutually exclusive"))
    return seen


def validate_certificate_signing_request(csr: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(csr, namespaced=False, name_check=lambda _name: [])
    spec = get_dict(csr, "spec", "", errs, must=True)
    if spec is not None:
        try:
            csrs.parse_request(spec.get("request"))
        except csrs.RequestError as exc:
            errs.append(invalid("spec.request", spec.get("request"), str(exc)))
        _usages(spec, errs)
        signer = get_str(spec, "signerName", "spec", errs)
        if signer == csrs.LEGACY_UNKNOWN:
            errs.append(invalid("spec.signerName", signer, "the legacy signerName is not allowed via this API version"))
        elif signer is not None or "signerName" not in spec:
            errs += validate_signer_name("spec.signerName", signer or "")
        seconds = get_int(spec, "expirationSeconds", "spec", errs)
        if seconds is not None and seconds < csrs.MIN_EXPIRATION_SECONDS:
            errs.append(invalid("spec.expirationSeconds", seconds,
                                "may not specify a duration less than 600 seconds (10 minutes)"))
    status = get_dict(csr, "status", "", errs) or {}
    kinds = _conditions(status, errs)
    certificate = get_str(status, "certificate", "status", errs)
    if certificate:
        try:
            csrs.certificate_blocks(certificate)
        except csrs.RequestError as exc:
            errs.append(invalid("status.certificate", CERTIFICATE_DATA, str(exc)))
    if old is not None:
        errs += _update_errors(old, kinds, certificate)
    return errs


def _update_errors(old: dict[str, Any], kinds: set[str], certificate: str | None) -> Errors:
    """Conditions Approved, Denied and Failed stay once set; an issued certificate is never replaced."""
    errs: Errors = []
    before = {c.get("type") for c in csrs.conditions(old)}
    for kind in _TRUE_ONLY:
        if kind in before and kind not in kinds:
            errs.append(forbidden("status.conditions", f'updates may not remove a condition of type "{kind}"'))
    old_status = old.get("status") if isinstance(old.get("status"), dict) else {}
    old_certificate = old_status.get("certificate") if isinstance(old_status, dict) else None
    if old_certificate and certificate != old_certificate:
        errs.append(invalid("status.certificate", CERTIFICATE_DATA, "updates may not modify existing certificate content"))
    return errs
