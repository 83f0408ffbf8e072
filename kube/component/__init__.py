"""What every daemon shares (the shape of k8s.io/component-base): flags, logging, signals, the run
loop, metrics and the health server. It sits above `kube.client` and below every component, so a
scheduler, controller manager, node agent or proxy is only its own flags plus wiring."""
