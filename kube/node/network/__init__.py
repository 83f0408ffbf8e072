"""The pod network across nodes: a flannel-style overlay (or host-gw routes) between the
nodes' pod bridges, programmed with pyroute2 from the Node informer.

Each node's pods sit on a Docker bridge network on its podCIDR (kube/node/docker_network.py).
That attachment stays Docker's own bridge driver: Docker owns the sandbox lifecycle (the
pause container and its namespace), so letting it also own the veth and the pod's address
is one less moving part that could leak or race with it. This package adds what Docker
does not do: reach the other nodes' bridges.

    config.py    the flags' values, the node's public IP and uplink, the --cluster-cidr check
    peers.py     Node -> Peer (podCIDR, backend, VTEP MAC, public IP): flannel's annotations
    netlink.py   the VXLAN device and per-peer route / neighbour / FDB entries (pyroute2)
    iptables.py  KUBENET-NAT (no NAT inside the cluster CIDR, masquerade out of it) and
                 KUBENET-FORWARD (let pod traffic cross bridges, past Docker's isolation)
    controller.py  the loop: publish our annotations, program every peer, repair, report
    cleanup.py   `cleanup()`: removes every link, route, neighbour, FDB entry and rule by name

Like flannel, a node publishes `flannel.alpha.coreos.com/{backend-type,backend-data,public-ip}`
on its Node; every node reads every Node and programs, per peer with a podCIDR:
vxlan: `route <podCIDR> via <podCIDR net addr> dev vxlan.kube onlink`, the neighbour
`<net addr> -> VtepMAC` and the FDB entry `VtepMAC -> public IP` (no learning, no
multicast: the control plane is the API); host-gw: `route <podCIDR> via <public IP>`.
A peer whose bridge is on this same host (every minion of `make up` shares one network
namespace) needs nothing: the kernel already routes between local bridges.
"""

from kube.node.network.cleanup import cleanup

__all__ = ["cleanup"]
