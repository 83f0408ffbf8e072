"""Pod Security admission (the PodSecurity plugin): Kubernetes' Pod Security Standards per namespace.

    policy.py            levels, versions, a namespace's policy from its labels
    checks_baseline.py   the baseline checks          checks_restricted.py  the restricted ones
    evaluator.py         which checks a level:version runs; messages joined as Kubernetes'
    config.py            --admission-control-config-file: defaults and exemptions
    admission.py         the write path's hook: pods (enforce, warn, audit), workloads' templates
                         (warn, audit), namespaces (label validation, warnings for existing pods)
"""

from kube.apiserver.admission.pod_security.admission import admit

__all__ = ["admit"]
