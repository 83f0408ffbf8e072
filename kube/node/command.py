"""`kube node`: the node agent (kubelet) of a minion, or N simulated nodes in one process.

    kube node --runtime docker --kubeconfig K [--hostname-override NAME] [--node-labels k=v,...]
              [--register-with-taints k=v:NoSchedule,...] [--max-pods 110] [--root-dir DIR]
              [--port 10250 --tls-cert-file C --tls-private-key-file K --client-ca-file CA]
              [--authorization-mode Webhook|APIServer|AlwaysAllow] [--authentication-token-webhook]
              [--network vxlan|host-gw|none] [--cluster-cidr 10.244.0.0/16] [--node-ip IP]
              [--bootstrap-kubeconfig B --kubeconfig K] [--[no-]rotate-certificates] [--rotate-server-certificates]
    kube node --simulated --count N --zones a,b,c [--labels k=v,...] [--name-prefix node]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket

from prometheus_client import CollectorRegistry

from kube import __version__
from kube.component.bool_flag import add_bool_flag
from kube.component.daemon import run_daemon
from kube.component.errors import UsageError
from kube.component.flags import add_daemon_flags, add_serving_flags, client_from_flags
from kube.node.server_authorization import ALLOWED_TTL, DENIED_TTL, MODES
from kube.node.token_authentication import TOKEN_TTL

log = logging.getLogger("kube.node")
DEFAULT_PORT = 10250


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("node", help="run the node agent (docker minion or simulated nodes)")
    add_daemon_flags(p, "node", verbosity=1)
    p.add_argument("--runtime", choices=("docker", "simulated"), default="docker")
    p.add_argument("--simulated", action="store_true", help="shorthand for --runtime simulated")
    p.add_argument("--hostname-override", help="the Node's name (default: this host's name)")
    p.add_argument("--node-labels", default="", help="extra labels k=v,... for the Node")
    p.add_argument("--labels", default="", help="simulated: extra labels k=v,... for every node")
    p.add_argument("--zone", default="", help="topology.kubernetes.io/zone of this node")
    p.add_argument("--register-with-taints", default="", help="taints k=v:Effect,... set when registering")
    p.add_argument("--max-pods", type=int, default=110)
    p.add_argument("--root-dir", default="", help="where pod volumes live (default .cluster/nodes/<name>)")
    p.add_argument("--count", type=int, default=1, help="simulated: how many nodes")
    p.add_argument("--zones", default="", help="simulated: zones, assigned round-robin (a,b,c)")
    p.add_argument("--name-prefix", default="node", help="simulated: nodes are <prefix>-0 .. <prefix>-N-1")
    p.add_argument("--node-ip", default="127.0.0.1", help="InternalIP of the node")
    p.add_argument("--network", choices=("vxlan", "host-gw", "none"),
                   help="pod network between nodes (default: vxlan for --runtime docker, none when simulated); "
                        "its public IP is --node-ip, or the default route's interface address when loopback")
    p.add_argument("--cluster-cidr", default="10.244.0.0/16",
                   help="pod IP range of the whole cluster: not NATed inside, masqueraded out of it")
    p.add_argument("--cluster-dns", default="10.96.0.10", help="pods' nameservers for dnsPolicy ClusterFirst ('': none)")
    p.add_argument("--cluster-domain", default="cluster.local", help="the cluster's DNS domain (pods' search list)")
    from kube.node.node_certificates import add_certificate_flags

    add_certificate_flags(p)
    add_serving_flags(p, port=0, port_help=f"log server, /healthz and /metrics port (kubelet: {DEFAULT_PORT}; 0: off)")
    p.add_argument("--tls-cert-file", help="the log server's certificate (signed by the cluster CA)")
    p.add_argument("--tls-private-key-file")
    p.add_argument("--client-ca-file", help="CA that client certificates for the node's server must chain to")
    p.add_argument("--authorization-mode", choices=MODES, default=None,
                   help="who may call the node's server: Webhook (default with --client-ca-file, as "
                        "KubeletConfiguration: whoever a SubjectAccessReview on nodes/proxy|log|stats|metrics "
                        "allows, the API server included), APIServer (only the API server's certificate), "
                        "AlwaysAllow (anyone authenticated)")
    add_bool_flag(p, "authentication-token-webhook", default=True,
                  help="accept bearer tokens at the node's server, checked by a TokenReview through the API")
    p.add_argument("--authentication-token-webhook-cache-ttl", type=float, default=TOKEN_TTL,
                   help="seconds a TokenReview's answer is kept")
    p.add_argument("--authorization-webhook-cache-authorized-ttl", type=float, default=ALLOWED_TTL,
                   help="seconds an allowed Webhook answer is kept")
    p.add_argument("--authorization-webhook-cache-unauthorized-ttl", type=float, default=DENIED_TTL,
                   help="seconds a denied Webhook answer is kept")
    p.add_argument("--workers", type=int, default=8, help="pods synced in parallel")
    p.add_argument("--image-gc-high-threshold", type=int, default=85,
                   help="image file system usage (%%) at which image GC starts (100: never)")
    p.add_argument("--image-gc-low-threshold", type=int, default=80, help="usage (%%) image GC frees down to")
    p.add_argument("--eviction-hard", default="nodefs.available<10%,imagefs.available<15%",
                   help="disk pressure thresholds: nodefs.available / imagefs.available < PERCENT%% or QUANTITY")
    p.set_defaults(func=run)


def _check(args: argparse.Namespace) -> dict:
    from kube.node.node_config import node_name_problem, parse_labels, parse_taints

    if args.simulated:
        args.runtime = "simulated"
    try:
        parsed = {"node_labels": parse_labels(args.node_labels),
                  "labels": parse_labels(args.labels, "--labels"),
                  "taints": parse_taints(args.register_with_taints)}
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.max_pods < 1:
        raise UsageError("--max-pods must be at least 1")
    if args.count < 1:
        raise UsageError("--count must be at least 1")
    if args.runtime == "docker" and args.count != 1:
        raise UsageError("--count needs --runtime simulated (a docker node agent runs one node)")
    from kube.node.image_gc import check_gc_thresholds, parse_eviction_hard

    problem = check_gc_thresholds(args.image_gc_high_threshold, args.image_gc_low_threshold)
    if problem:
        raise UsageError(problem)
    try:
        parsed["eviction_hard"] = parse_eviction_hard(args.eviction_hard)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    _check_network(args)
    if bool(args.tls_cert_file) != bool(args.tls_private_key_file):
        raise UsageError("--tls-cert-file and --tls-private-key-file go together")
    if args.authorization_mode is not None and not args.client_ca_file:
        raise UsageError(f"--authorization-mode {args.authorization_mode} needs --client-ca-file "
                         "(callers are known by their certificates)")
    args.authorization_mode = args.authorization_mode or "Webhook"
    if min(args.authorization_webhook_cache_authorized_ttl, args.authorization_webhook_cache_unauthorized_ttl,
           args.authentication_token_webhook_cache_ttl) < 0:
        raise UsageError("--authorization-webhook-cache-*-ttl and --authentication-token-webhook-cache-ttl "
                         "must not be negative")
    name = (args.hostname_override or socket.gethostname()).lower()
    if args.runtime == "docker":
        problem = node_name_problem(name)
        if problem:
            raise UsageError(problem)
    else:
        problem = node_name_problem(f"{args.name_prefix}-{args.count - 1}")
        if problem:
            raise UsageError(f"--name-prefix: {problem}")
    parsed["name"] = name
    from kube.node.node_certificates import check_certificate_flags

    check_certificate_flags(args)
    parsed["cluster_dns"] = _cluster_dns(args.cluster_dns)
    return parsed


def _cluster_dns(text: str) -> list[str]:
    """--cluster-dns IP,... ('' for none: ClusterFirst pods then get the node's resolv.conf)."""
    import ipaddress

    servers = [s.strip() for s in text.split(",") if s.strip()]
    for server in servers:
        try:
            ipaddress.ip_address(server)
        except ValueError:
            raise UsageError(f"--cluster-dns: {server!r} is not an IP address") from None
    return servers


def _check_network(args: argparse.Namespace) -> None:
    from kube.node.network.config import NetworkConfigError, parse_cluster_cidr

    if args.network is None:
        args.network = "vxlan" if args.runtime == "docker" else "none"
    if args.runtime == "simulated" and args.network != "none":
        raise UsageError("--network needs --runtime docker (simulated nodes have no pod network)")
    try:
        parse_cluster_cidr(args.cluster_cidr)
    except NetworkConfigError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    parsed = _check(args)
    user_errors: tuple[type[Exception], ...] = ()
    if args.runtime == "docker":  # a dockerd that cannot be reached is the operator's to fix: one line
        from kube.node.docker_runtime import DockerUnavailable

        user_errors = (DockerUnavailable,)
    return run_daemon(args, lambda stop: _main(args, parsed, stop), user_errors=user_errors)


def _agents(args: argparse.Namespace, parsed: dict, client):  # -> list[NodeAgent]
    from kube.node.agent import NodeAgent
    from kube.node.events import EventRecorder
    from kube.node.node_config import ZONE_LABEL, NodeConfig
    from kube.node.simulated_fleet import simulated_agents

    if args.runtime == "simulated":
        labels = {**parsed["node_labels"], **parsed["labels"]}
        zones = [z.strip() for z in args.zones.split(",") if z.strip()] or ([args.zone] if args.zone else [])
        return simulated_agents(client, args.count, zones, labels, args.name_prefix, args.max_pods,
                                parsed["taints"], args.node_ip, args.port)
    from kube.node.docker_runtime import DockerRuntime
    from kube.node.pod_dns import ClusterDNS

    labels = dict(parsed["node_labels"])
    zone = args.zone or labels.pop(ZONE_LABEL, "")
    name = parsed["name"]
    root = os.path.abspath(args.root_dir or os.path.join(".cluster", "nodes", name))
    config = NodeConfig(name=name, zone=zone, labels=labels, taints=parsed["taints"], max_pods=args.max_pods,
                        node_ip=args.node_ip, kubelet_port=args.port, root_dir=root)
    events = EventRecorder(client, name)
    runtime = DockerRuntime(name, root, events)
    runtime.image_gc.high, runtime.image_gc.low = args.image_gc_high_threshold, args.image_gc_low_threshold
    runtime.image_gc.eviction = parsed["eviction_hard"]
    runtime.cluster_dns = ClusterDNS(parsed["cluster_dns"], args.cluster_domain.strip("."))
    return [NodeAgent(config, runtime, client, events, resync_seconds=1.0)]


async def _main(args: argparse.Namespace, parsed: dict, stop: asyncio.Event) -> int:
    from kube.client.informer import run_supervised
    from kube.node import node_certificates as certs
    from kube.node.fleet import NodeFleet
    from kube.node.log_server import make_app, serve, tls_context

    name, root = certs.node_identity(args, parsed)
    if not await certs.prepare_client(args, name, root, stop):  # --bootstrap-kubeconfig: stopped first
        return 0
    client = client_from_flags(args, "kube-node")
    registry = CollectorRegistry()  # the process's one registry, served on the log server's /metrics
    from kube.component.gc_pauses import register_gc_pauses
    register_gc_pauses(registry)
    rotation = certs.client_rotation(args, name, root, client, registry)
    serving, serving_pair = certs.server_rotation(args, name, root, client, registry)
    rotators: list[asyncio.Task[None]] = []
    agents = _agents(args, parsed, client)
    if args.runtime == "docker" and args.network != "none":  # pods get the overlay's MTU from their first start
        from kube.node.network.config import NetworkConfig
        from kube.node.network.controller import host_pod_mtu

        config = NetworkConfig(args.network, args.cluster_cidr, args.node_ip)
        agents[0].runtime.pod_mtu = await asyncio.to_thread(host_pod_mtu, config)  # netlink: off the loop
    fleet = NodeFleet(client, agents, workers=args.workers, registry=registry)
    runner = network = None
    log.info("kube node %s starting: %d node(s), runtime %s", __version__, len(agents), args.runtime)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        if args.port:
            cert_file, key_file = serving_pair or (args.tls_cert_file, args.tls_private_key_file)
            tls = tls_context(cert_file, key_file, args.client_ca_file) if cert_file else None
            if serving is not None and tls is not None:  # a new serving pair goes into the live context
                serving.on_rotate = lambda _pair: certs.reload_into(tls, serving.store)
            if tls is None:
                log.warning("log server without TLS (no --tls-cert-file): the API server's log proxy needs https")
            app = make_app(fleet.agents, lambda ns, name: fleet.pods.store.get(f"{ns}/{name}"),
                           require_client_cert=bool(args.client_ca_file), registry=registry,
                           ready=fleet.ready.is_set, door=_door(args, client))
            from kube.node.stats_server import add_stats_routes

            add_stats_routes(app, fleet.agents)
            runner = await serve(app, args.bind_address, args.port, tls)
        rotators += certs.start_managers([rotation, serving], stop)  # after the server: it takes new pairs
        starting = asyncio.ensure_future(fleet.start())
        await asyncio.wait({starting, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()
            network = await _start_network(args, parsed, client)
            supervised = [fleet.nodes, fleet.pods] + ([network.informer] if network is not None else [])
            await run_supervised(stopper, *supervised)  # an informer that dies of a bug: exit
        else:
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
        log.info("stopping (containers keep running; a restarted agent re-adopts them)")
    finally:
        stopper.cancel()
        for task in rotators:
            task.cancel()
        await asyncio.gather(*rotators, return_exceptions=True)
        if runner is not None:  # first: followed log streams end now, not after the fleet stopped
            await runner.cleanup()
        if network is not None:
            await network.stop()
        await fleet.stop()
        await client.close()
    return 0


def _door(args: argparse.Namespace, client):  # -> NodeServerAuthorizer
    """--authorization-mode and --authentication-token-webhook: the node asks the API with its own
    credentials (system:node may create TokenReviews and SubjectAccessReviews)."""
    from kube.node.server_authorization import NodeServerAuthorizer
    from kube.node.token_authentication import TokenAuthenticator

    async def review(body: dict) -> dict:
        return await client.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", body=body)

    async def token_review(body: dict) -> dict:
        return await client.request("POST", "/apis/authentication.k8s.io/v1/tokenreviews", body=body)

    tokens = TokenAuthenticator(token_review, args.authentication_token_webhook_cache_ttl) \
        if args.authentication_token_webhook else None
    return NodeServerAuthorizer(args.authorization_mode, review, required=bool(args.client_ca_file), tokens=tokens,
                                allowed_ttl=args.authorization_webhook_cache_authorized_ttl,
                                denied_ttl=args.authorization_webhook_cache_unauthorized_ttl)


async def _start_network(args: argparse.Namespace, parsed: dict, client):  # -> PodNetwork | None
    """The pod network between nodes (kube/node/network/), for a docker node with --network."""
    if args.network == "none":
        return None
    from kube.node.network.config import NetworkConfig
    from kube.node.network.controller import PodNetwork

    network = PodNetwork(client, parsed["name"], NetworkConfig(args.network, args.cluster_cidr, args.node_ip))
    await network.start()
    return network
