"""Pod defaults (SetDefaults_PodSpec, _Container, _Probe, _Volume, ...), shared by pod templates."""

from __future__ import annotations

from typing import Any

from kube.api.defaults.setters import child_dict, default_pointer, default_string, dict_items

VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
    "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
    "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral",
    "image",
)


def default_pod(pod: dict[str, Any]) -> None:
    spec = child_dict(pod, "spec")
    if spec is not None:
        default_pod_spec(spec)


def default_pod_template(template: dict[str, Any]) -> None:
    spec = child_dict(template, "spec")
    if spec is not None:
        default_pod_spec(spec)


def default_pod_spec(spec: dict[str, Any]) -> None:
    default_string(spec, "dnsPolicy", "ClusterFirst")
    default_string(spec, "restartPolicy", "Always")
    default_pointer(spec, "terminationGracePeriodSeconds", 30)
    default_string(spec, "schedulerName", "default-scheduler")
    default_pointer(spec, "securityContext", {})
    default_pointer(spec, "enableServiceLinks", True)
    host_network = spec.get("hostNetwork") is True
    for container in dict_items(spec, "initContainers") + dict_items(spec, "containers"):
        default_container(container, host_network)
    for volume in dict_items(spec, "volumes"):
        default_volume(volume)


def default_container(container: dict[str, Any], host_network: bool = False) -> None:
    image = container.get("image")
    if isinstance(image, str):
        default_string(container, "imagePullPolicy", pull_policy_for(image))
    default_string(container, "terminationMessagePath", "/dev/termination-log")
    default_string(container, "terminationMessagePolicy", "File")
    for port in dict_items(container, "ports"):
        default_string(port, "protocol", "TCP")
        if host_network and port.get("hostPort") in (None, 0):
            port["hostPort"] = port.get("containerPort")
    for probe_key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = child_dict(container, probe_key)
        if probe is not None:
            default_probe(probe)
    lifecycle = child_dict(container, "lifecycle")
    if lifecycle is not None:
        for hook in ("postStart", "preStop"):
            handler = child_dict(lifecycle, hook)
            if handler is not None:
                _default_handler(handler)
    for env in dict_items(container, "env"):
        source = child_dict(env, "valueFrom")
        field_ref = child_dict(source, "fieldRef") if source is not None else None
        if field_ref is not None:
            default_string(field_ref, "apiVersion", "v1")
    _default_requests_from_limits(container)


def pull_policy_for(image: str) -> str:
    """Always for `:latest` or no tag (a digest without a tag pins the image), else IfNotPresent."""
    if not image:
        return "IfNotPresent"
    reference, at, _digest = image.partition("@")
    last = reference.rsplit("/", 1)[-1]
    _, colon, tag = last.partition(":")
    if colon:
        return "Always" if tag == "latest" else "IfNotPresent"
    return "IfNotPresent" if at else "Always"


def default_probe(probe: dict[str, Any]) -> None:
    default_pointer(probe, "timeoutSeconds", 1)
    default_pointer(probe, "periodSeconds", 10)
    default_pointer(probe, "successThreshold", 1)
    default_pointer(probe, "failureThreshold", 3)
    _default_handler(probe)


def _default_handler(handler: dict[str, Any]) -> None:
    http_get = child_dict(handler, "httpGet")
    if http_get is not None:
        default_string(http_get, "path", "/")
        default_string(http_get, "scheme", "HTTP")


def _default_requests_from_limits(container: dict[str, Any]) -> None:
    """Requests default to limits for every resource that has only a limit (as SetDefaults_Pod)."""
    resources = child_dict(container, "resources")
    if resources is None:
        return
    limits = child_dict(resources, "limits")
    if not limits:
        return
    requests = child_dict(resources, "requests", create=True)
    if requests is None:
        return
    for resource, amount in limits.items():
        requests.setdefault(resource, amount)


def default_volume(volume: dict[str, Any]) -> None:
    """A volume with no source is an emptyDir; secret/configMap files default to mode 0644."""
    if not any(volume.get(source) is not None for source in VOLUME_SOURCES):
        volume["emptyDir"] = {}
    for source in ("secret", "configMap", "downwardAPI", "projected"):
        body = child_dict(volume, source)
        if body is not None:
            default_pointer(body, "defaultMode", 420)
