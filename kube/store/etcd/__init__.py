"""etcd v3 backend of the store protocol, over gRPC with thin generated stubs (proto/)."""

from kube.store.etcd.store import EtcdStore

__all__ = ["EtcdStore"]
