"""The Deployment controller: rolling and recreate rollouts over ReplicaSets.

sync.py is the entry (`reconcile_deployment`, pure); rolling.py / recreate.py the
strategies; revisions.py the template hash and revision bookkeeping; progress.py
status and conditions; rollback.py the legacy rollback annotation.
"""
