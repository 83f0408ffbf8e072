"""core/v1 PodStatus: what the node agent reports (a typed client may PUT it as protobuf).

Field numbers read from kubernetes/api (core/v1, apps/v1, policy/v1 generated.proto, with JSON
names and pointer/omitempty from their types.go) and kubernetes/apimachinery (meta/v1, intstr,
resource); the table format and this text are ours.
Format: see kube/apiserver/protobuf/schema.py.
"""

POD_STATUS_MESSAGES: dict[str, str] = {
    "PodStatus": (
        "1 phase string, 2 conditions PodCondition*, 3 message string, 4 reason string, "
        "5 hostIP string, 6 podIP string, 7 startTime Time!, "
        "8 containerStatuses ContainerStatus*, 9 qosClass string, "
        "10 initContainerStatuses ContainerStatus*, 11 nominatedNodeName string, "
        "12 podIPs PodIP*, 13 ephemeralContainerStatuses ContainerStatus*, 14 resize string, "
        "15 resourceClaimStatuses PodResourceClaimStatus*, 16 hostIPs HostIP*, "
        "17 observedGeneration int64, "
        "18 extendedResourceClaimStatus PodExtendedResourceClaimStatus, "
        "19 allocatedResources Quantity{}, 20 resources ResourceRequirements, "
        "21 nodeAllocatableResourceClaimStatuses NodeAllocatableResourceClaimStatus*, "
        "22 volumeHealth PodVolumeHealth*"
    ),
    "PodVolumeHealth": (
        "1 name string!, 2 healthConditions VolumeHealthCondition*, "
        "3 lastTransitionTime Time"
    ),
    "VolumeHealthCondition": "1 status string!, 2 reason string!, 3 message string",
    "NodeAllocatableResourceClaimStatus": (
        "1 resourceClaimName string!, 2 containers string*, "
        "4 mapping NodeAllocatableMappedResources*, "
        "5 overhead NodeAllocatableOverheadResources*"
    ),
    "NodeAllocatableOverheadResources": "1 name string!, 2 perPod Quantity!, 3 perContainer Quantity!",
    "NodeAllocatableMappedResources": "1 name string!, 2 quantity Quantity!",
    "PodExtendedResourceClaimStatus": (
        "1 requestMappings ContainerExtendedResourceRequest*, "
        "2 resourceClaimName string!"
    ),
    "ContainerExtendedResourceRequest": (
        "1 containerName string!, 2 resourceName string!, "
        "3 requestName string!"
    ),
    "PodResourceClaimStatus": "1 name string!, 2 resourceClaimName string!",
    "ContainerStatus": (
        "1 name string!, 2 state ContainerState, 3 lastState ContainerState, "
        "4 ready bool!, 5 restartCount int32!, 6 image string!, 7 imageID string!, "
        "8 containerID string, 9 started bool!, 10 allocatedResources Quantity{}, "
        "11 resources ResourceRequirements, 12 volumeMounts VolumeMountStatus*, "
        "13 user ContainerUser, 14 allocatedResourcesStatus ResourceStatus*, "
        "15 stopSignal string!"
    ),
    "ResourceStatus": "1 name string!, 2 resources ResourceHealth*",
    "ResourceHealth": "1 resourceID string!, 2 health string, 6 message string!",
    "ContainerUser": "1 linux LinuxContainerUser",
    "LinuxContainerUser": "1 uid int64!, 2 gid int64!, 3 supplementalGroups int64*",
    "VolumeMountStatus": (
        "1 name string!, 2 mountPath string!, 3 readOnly bool, "
        "4 recursiveReadOnly string!, 5 volumeStatus VolumeStatus"
    ),
    "VolumeStatus": "1 image ImageVolumeStatus",
    "ImageVolumeStatus": "1 imageRef string",
    "ContainerState": (
        "1 waiting ContainerStateWaiting, 2 running ContainerStateRunning, "
        "3 terminated ContainerStateTerminated"
    ),
    "ContainerStateTerminated": (
        "1 exitCode int32!, 2 signal int32, 3 reason string, 4 message string, "
        "5 startedAt Time, 6 finishedAt Time, 7 containerID string"
    ),
    "ContainerStateRunning": "1 startedAt Time",
    "ContainerStateWaiting": "1 reason string, 2 message string",
    "PodIP": "1 ip string!",
    "HostIP": "1 ip string!",
    "PodCondition": (
        "1 type string!, 2 status string!, 3 lastProbeTime Time, "
        "4 lastTransitionTime Time, 5 reason string, 6 message string, "
        "7 observedGeneration int64"
    ),
}
