"""The client machinery every component is built from.

- rest.RestClient: typed verbs over the registry's kinds (kubeconfig, TLS, tokens,
  failover between servers, retries); errors.ApiError / GoneError / ApiConnectionError.
- informer.Informer / SharedInformerFactory: list + watch into an indexed cache (cache.Indexer).
- workqueue.WorkQueue + reconciler.Reconciler: de-duplicated, rate-limited keys for N workers.
- leader_election.LeaderElector: one active instance per Lease.
"""
