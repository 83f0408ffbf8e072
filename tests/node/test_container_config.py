"""A pod's container as Docker create arguments: names, command, env expansion, limits."""

from __future__ import annotations

from kube.node.container_config import command_line, container_create_args, expand, resource_limits


def test_container_settings_for_docker():
    pod = {"metadata": {"name": "web", "namespace": "prod", "uid": "0123456789ab"}, "spec": {}}
    container = {"name": "app", "image": "kube.local/busybox:1", "command": ["sh", "-c"], "args": ["echo $(GREETING) $$HOME"],
                 "workingDir": "/srv", "resources": {"limits": {"cpu": "250m", "memory": "128Mi"}}}
    args = container_create_args(pod, container, kind="app", restarts=2, pause_id="abc", env=[("GREETING", "hi")],
                                 binds=["/x:/y:ro"], labels={"io.kube.managed": "true"})
    assert args["name"] == "k8s_app_web_prod_01234567_2"
    assert args["entrypoint"] == ["sh", "-c"] and args["command"] == ["echo hi $HOME"]
    assert args["network_mode"] == "container:abc" and args["working_dir"] == "/srv"
    assert args["nano_cpus"] == 250_000_000 and args["mem_limit"] == 128 * 1024 * 1024
    assert args["labels"]["io.kube.container.restart-count"] == "2"
    assert command_line({"args": ["a"]}, {}) == (None, ["a"])
    assert resource_limits({}) == {}
    assert expand("$(A)-$(MISSING)", {"A": "1"}) == "1-$(MISSING)"
