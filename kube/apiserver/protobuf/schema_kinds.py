"""The top-level kinds with their spec and status messages (besides Pod's).

Field numbers read from kubernetes/api (core/v1, apps/v1, policy/v1, autoscaling/v1 generated.proto, with JSON
names and pointer/omitempty from their types.go) and kubernetes/apimachinery (meta/v1, intstr,
resource); the table format and this text are ours.
Format: see kube/apiserver/protobuf/schema.py.
"""

KIND_MESSAGES: dict[str, str] = {
    "PodDisruptionBudget": (
        "1 metadata ObjectMeta, 2 spec PodDisruptionBudgetSpec, "
        "3 status PodDisruptionBudgetStatus"
    ),
    "PodDisruptionBudgetStatus": (
        "1 observedGeneration int64, 2 disruptedPods Time{}, "
        "3 disruptionsAllowed int32!, 4 currentHealthy int32!, "
        "5 desiredHealthy int32!, 6 expectedPods int32!, "
        "7 conditions Condition*"
    ),
    "PodDisruptionBudgetSpec": (
        "1 minAvailable IntOrString!, 2 selector LabelSelector, "
        "3 maxUnavailable IntOrString!, 4 unhealthyPodEvictionPolicy string!"
    ),
    "ReplicaSet": "1 metadata ObjectMeta, 2 spec ReplicaSetSpec, 3 status ReplicaSetStatus",
    "ReplicaSetStatus": (
        "1 replicas int32!, 2 fullyLabeledReplicas int32, 3 observedGeneration int64, "
        "4 readyReplicas int32, 5 availableReplicas int32, "
        "6 conditions ReplicaSetCondition*, 7 terminatingReplicas int32!"
    ),
    "ReplicaSetCondition": (
        "1 type string!, 2 status string!, 3 lastTransitionTime Time, "
        "4 reason string, 5 message string"
    ),
    "ReplicaSetSpec": (
        "1 replicas int32!, 2 selector LabelSelector, 3 template PodTemplateSpec, "
        "4 minReadySeconds int32"
    ),
    "Pod": "1 metadata ObjectMeta, 2 spec PodSpec, 3 status PodStatus",
    "Deployment": "1 metadata ObjectMeta, 2 spec DeploymentSpec, 3 status DeploymentStatus",
    "DeploymentStatus": (
        "1 observedGeneration int64, 2 replicas int32, 3 updatedReplicas int32, "
        "4 availableReplicas int32, 5 unavailableReplicas int32, "
        "6 conditions DeploymentCondition*, 7 readyReplicas int32, "
        "8 collisionCount int32!, 9 terminatingReplicas int32!"
    ),
    "DeploymentCondition": (
        "1 type string!, 2 status string!, 4 reason string, 5 message string, "
        "6 lastUpdateTime Time, 7 lastTransitionTime Time"
    ),
    "DeploymentSpec": (
        "1 replicas int32!, 2 selector LabelSelector, 3 template PodTemplateSpec, "
        "4 strategy DeploymentStrategy, 5 minReadySeconds int32, "
        "6 revisionHistoryLimit int32!, 7 paused bool, 9 progressDeadlineSeconds int32!"
    ),
    "DeploymentStrategy": "1 type string, 2 rollingUpdate RollingUpdateDeployment",
    "RollingUpdateDeployment": "1 maxUnavailable IntOrString!, 2 maxSurge IntOrString!",
    "Service": "1 metadata ObjectMeta, 2 spec ServiceSpec, 3 status ServiceStatus",
    "ServiceStatus": "1 loadBalancer LoadBalancerStatus, 2 conditions Condition*",
    "LoadBalancerStatus": "1 ingress LoadBalancerIngress*",
    "LoadBalancerIngress": "1 ip string, 2 hostname string, 3 ipMode string!, 4 ports PortStatus*",
    "PortStatus": "1 port int32!, 2 protocol string!, 3 error string!",
    "ServiceSpec": (
        "1 ports ServicePort*, 2 selector string{}, 3 clusterIP string, 4 type string, "
        "5 externalIPs string*, 7 sessionAffinity string, 8 loadBalancerIP string, "
        "9 loadBalancerSourceRanges string*, 10 externalName string, "
        "11 externalTrafficPolicy string, 12 healthCheckNodePort int32, "
        "13 publishNotReadyAddresses bool, 14 sessionAffinityConfig SessionAffinityConfig, "
        "17 ipFamilyPolicy string!, 18 clusterIPs string*, 19 ipFamilies string*, "
        "20 allocateLoadBalancerNodePorts bool!, 21 loadBalancerClass string!, "
        "22 internalTrafficPolicy string!, 23 trafficDistribution string!"
    ),
    "SessionAffinityConfig": "1 clientIP ClientIPConfig",
    "ClientIPConfig": "1 timeoutSeconds int32!",
    "ServicePort": (
        "1 name string, 2 protocol string, 3 port int32!, 4 targetPort IntOrString, "
        "5 nodePort int32, 6 appProtocol string!"
    ),
    "Secret": (
        "1 metadata ObjectMeta, 2 data bytes{}, 3 type string, 4 stringData string{}, "
        "5 immutable bool!"
    ),
    "ConfigMap": "1 metadata ObjectMeta, 2 data string{}, 3 binaryData bytes{}, 4 immutable bool!",
    "Namespace": "1 metadata ObjectMeta, 2 spec NamespaceSpec, 3 status NamespaceStatus",
    "NamespaceStatus": "1 phase string, 2 conditions NamespaceCondition*",
    "NamespaceCondition": (
        "1 type string!, 2 status string!, 4 lastTransitionTime Time, "
        "5 reason string, 6 message string"
    ),
    "NamespaceSpec": "1 finalizers string*",
    "Eviction": "1 metadata ObjectMeta, 2 deleteOptions DeleteOptions",
    # subresource bodies: /scale (autoscaling/v1) and /binding
    "Scale": "1 metadata ObjectMeta, 2 spec ScaleSpec, 3 status ScaleStatus",
    "ScaleSpec": "1 replicas int32!",  # omitempty in Go, but scaling to 0 must say 0
    "ScaleStatus": "1 replicas int32!, 2 selector string",
    "Binding": "1 metadata ObjectMeta, 2 target ObjectReference",
    "ObjectReference": (
        "1 kind string, 2 namespace string, 3 name string, 4 uid string, 5 apiVersion string, "
        "6 resourceVersion string, 7 fieldPath string"
    ),
}
