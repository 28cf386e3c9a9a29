"""The bootstrap project: what the workflows depend on and must never change, run by an operator.

Its program (`__main__.py`, `pulumi -C bootstrap up`), its settings (`config.py`) and the
components only it deploys (the CI roles and their policies, the repository's GitHub settings,
each stage's permissions boundary, API Gateway's account-wide logging role, Access Analyzer).
It builds on the stage's components and settings; nothing of the stage imports it.
"""
