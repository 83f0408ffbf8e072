"""CronJob controller: Jobs from a cron schedule (pure planning in reconcile.py, the loop in controller.py)."""
