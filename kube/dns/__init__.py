"""Cluster DNS (`kube dns`): the names Kubernetes' DNS specification promises, from Services
and EndpointSlices, answered from memory; every other name forwarded to the host's resolvers.

    informers (Services, EndpointSlices)  ->  records.py   cluster_records(): names -> RRs (pure)
                                          ->  answers.py   AnswerTable: question bytes -> answer bytes
    UDP/TCP (server.py)  ->  AnswerTable.answer()  ->  hit: bytes out, no parsing
                                                   ->  miss: answers.slow_answer() (pod names,
                                                       NXDOMAIN) or forwarder.py (upstream + cache)
    publisher.py   the kube-dns Service and this daemon's own EndpointSlice
    command.py     the flags and the wiring

Why answers are bytes: a DNS reply for a cached record differs from the query only in its
header and its answer section, which is fixed until a Service or slice changes. Building
those sections once per change (with dnslib) and splicing the query's id and question into
them at query time keeps the per-query cost to a dictionary lookup, which is what lets one
Python process answer tens of thousands of queries a second.
"""
