"""The EndpointSlice controller (Kubernetes' pkg/controller/endpointslice): desired.py says
what one pod contributes, reconcile.py packs those into slices with the least churn,
controller.py is the loop."""
