"""metrics.k8s.io/v1beta1 (NodeMetrics, PodMetrics) served by the API server itself, from the
node agents' /stats/summary, as metrics-server serves them from the kubelets' (that is
what `kubectl top` reads). discovery.py adds the group to /apis; handler.py serves the
reads; scrape.py reaches the nodes (as pods/log does)."""
