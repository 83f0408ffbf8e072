"""Per-kind write rules (the shape of Kubernetes' pkg/registry/<group>/<kind>/strategy.go)."""
