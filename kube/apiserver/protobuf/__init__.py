"""Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`).

kubectl's typed clients (`kubectl create namespace|deployment|configmap|secret|service|pdb`,
`kubectl expose`) POST protobuf; this package turns such a body into the same JSON-shaped dict
a JSON body yields, so nothing after decoding changes. Responses stay JSON, which kubectl accepts.
"""

from kube.apiserver.protobuf.envelope import MEDIA_TYPE, UnsupportedKind, decode_object
from kube.apiserver.protobuf.wire import ProtobufError

__all__ = ["MEDIA_TYPE", "ProtobufError", "UnsupportedKind", "decode_object"]
