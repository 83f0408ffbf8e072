"""The DaemonSet controller: one pod per eligible node, placed by the scheduler through node
affinity, rolled by RollingUpdate or OnDelete, its history in ControllerRevisions."""
