"""Job controller: pods to completion, finalizer-tracked counting (pure planning in reconcile.py, the loop in controller.py)."""
