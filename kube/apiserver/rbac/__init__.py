"""Kubernetes' access model: RBAC, the Node authorizer, NodeRestriction, reviews, impersonation.

    request ─ impersonation.py (Impersonate-* headers, themselves authorized)
            ─ auth/authorizer.py Chain of --authorization-mode:
                 node_authorizer.py (node_graph.py: pods by node from the watch cache)
                 authorizer.py (RBAC: rules.py matching over an index of the bindings)
            ─ Strategy.admit (dry runs too): escalation.py (Roles, bindings),
                 node_restriction.py (a node's Node, its Lease, its mirror pods)
    reviews.py: SubjectAccessReview & co. ask the same Chain
    policy.py + bootstrap_policy.yaml: Kubernetes' default roles; reconcile.py writes them at start
"""
