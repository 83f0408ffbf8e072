"""The controller manager's certificate controllers: csrapproving (approver.py), csrsigning
(signer.py over authority.py), csrcleaner (cleaner.py) and the bootstrap token cleaner (token_cleaner.py)."""
