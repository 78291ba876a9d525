"""Pure Python: states, ids, the account/project/run/job model. No AWS here."""
