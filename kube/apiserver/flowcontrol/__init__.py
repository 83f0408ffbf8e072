"""API Priority and Fairness: the flowcontrol.apiserver.k8s.io/v1 configuration the API server bootstraps and classifies requests by."""
