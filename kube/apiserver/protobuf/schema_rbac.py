"""rbac.authorization.k8s.io/v1, authorization.k8s.io/v1 and authentication.k8s.io/v1 review messages
(kubectl's `create role|clusterrole|rolebinding|clusterrolebinding`, `auth can-i`, `auth whoami` send
protobuf).

Field numbers read from kubernetes/api rbac/v1, authorization/v1 and authentication/v1 generated.proto,
pointer/omitempty from their types.go; the table format and this text are ours. Format: see
kube/apiserver/protobuf/schema.py. ExtraValue (a bare repeated string whose JSON is a list) is left
out of the review specs: kubectl sends none.
"""

RBAC_MESSAGES: dict[str, str] = {
    "PolicyRule": (
        "1 verbs string*, 2 apiGroups string*, 3 resources string*, 4 resourceNames string*, "
        "5 nonResourceURLs string*"
    ),
    "AggregationRule": "1 clusterRoleSelectors LabelSelector*",
    "Role": "1 metadata ObjectMeta, 2 rules PolicyRule*",
    "ClusterRole": "1 metadata ObjectMeta, 2 rules PolicyRule*, 3 aggregationRule AggregationRule",
    "RoleRef": "1 apiGroup string!, 2 kind string!, 3 name string!",
    "Subject": "1 kind string!, 2 apiGroup string, 3 name string!, 4 namespace string",
    "RoleBinding": "1 metadata ObjectMeta, 2 subjects Subject*, 3 roleRef RoleRef",
    "ClusterRoleBinding": "1 metadata ObjectMeta, 2 subjects Subject*, 3 roleRef RoleRef",
    "FieldSelectorRequirement": "1 key string!, 2 operator string!, 3 values string*",
    "FieldSelectorAttributes": "1 rawSelector string, 2 requirements FieldSelectorRequirement*",
    "LabelSelectorAttributes": "1 rawSelector string, 2 requirements LabelSelectorRequirement*",
    "ResourceAttributes": (
        "1 namespace string, 2 verb string, 3 group string, 4 version string, 5 resource string, "
        "6 subresource string, 7 name string, 8 fieldSelector FieldSelectorAttributes, "
        "9 labelSelector LabelSelectorAttributes"
    ),
    "NonResourceAttributes": "1 path string, 2 verb string",
    "SubjectAccessReviewStatus": "1 allowed bool!, 2 reason string, 3 evaluationError string, 4 denied bool",
    "SelfSubjectAccessReviewSpec": "1 resourceAttributes ResourceAttributes, 2 nonResourceAttributes NonResourceAttributes",
    "SelfSubjectAccessReview": (
        "1 metadata ObjectMeta, 2 spec SelfSubjectAccessReviewSpec, 3 status SubjectAccessReviewStatus"
    ),
    "SubjectAccessReviewSpec": (
        "1 resourceAttributes ResourceAttributes, 2 nonResourceAttributes NonResourceAttributes, "
        "3 user string, 4 groups string*, 6 uid string"
    ),
    "SubjectAccessReview": "1 metadata ObjectMeta, 2 spec SubjectAccessReviewSpec, 3 status SubjectAccessReviewStatus",
    "LocalSubjectAccessReview": (
        "1 metadata ObjectMeta, 2 spec SubjectAccessReviewSpec, 3 status SubjectAccessReviewStatus"
    ),
    "SelfSubjectRulesReviewSpec": "1 namespace string",
    "ResourceRule": "1 verbs string*, 2 apiGroups string*, 3 resources string*, 4 resourceNames string*",
    "NonResourceRule": "1 verbs string*, 2 nonResourceURLs string*",
    "SubjectRulesReviewStatus": (
        "1 resourceRules ResourceRule*, 2 nonResourceRules NonResourceRule*, 3 incomplete bool!, "
        "4 evaluationError string"
    ),
    "SelfSubjectRulesReview": (
        "1 metadata ObjectMeta, 2 spec SelfSubjectRulesReviewSpec, 3 status SubjectRulesReviewStatus"
    ),
    "SelfSubjectReviewUserInfo": "1 username string, 2 uid string, 3 groups string*",
    "SelfSubjectReviewStatus": "1 userInfo SelfSubjectReviewUserInfo",
    "SelfSubjectReview": "1 metadata ObjectMeta, 2 status SelfSubjectReviewStatus",
    "TokenReviewSpec": "1 token string, 2 audiences string*",
    "TokenReviewStatus": (
        "1 authenticated bool, 2 user SelfSubjectReviewUserInfo, 3 error string, 4 audiences string*"
    ),
    "TokenReview": "1 metadata ObjectMeta, 2 spec TokenReviewSpec, 3 status TokenReviewStatus",
}

RBAC_OBJECT_MESSAGES: dict[tuple[str, str], str] = {
    **{("rbac.authorization.k8s.io/v1", k): k for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")},
    **{("authorization.k8s.io/v1", k): k for k in ("SelfSubjectAccessReview", "SubjectAccessReview",
                                                   "LocalSubjectAccessReview", "SelfSubjectRulesReview")},
    ("authentication.k8s.io/v1", "SelfSubjectReview"): "SelfSubjectReview",
    ("authentication.k8s.io/v1", "TokenReview"): "TokenReview",
    **{(gv, "DeleteOptions"): "DeleteOptions" for gv in ("rbac.authorization.k8s.io/v1",)},
}
