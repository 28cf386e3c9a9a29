"""The prod gate, on every GitHub plan: a release deploys prod only if a maintainer or an admin
of the repository published it, and it tags a commit that is on the main branch.

GitHub's required reviewers on an environment exist for private repositories only on GitHub
Enterprise, so the deploy workflow runs this check itself before the prod job may start.
Anything it cannot confirm (an API error, an unknown user) is a refusal.

Usage: python deploy/release_gate.py --repository OWNER/NAME --actor LOGIN --sha SHA
       [--branch main]   (GITHUB_TOKEN and GITHUB_API_URL from the environment, as in Actions)
Standard library only: it runs before any dependency is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

# Repository roles that may release to prod (GitHub's role names).
RELEASERS = ("admin", "maintain")
# A compare of BRANCH...SHA with one of these statuses means SHA is on BRANCH.
ON_BRANCH = ("identical", "behind")
DEFAULT_API = "https://api.github.com"


class GateClosed(Exception):
    pass


def get(api: str, path: str, token: str) -> dict[str, Any]:
    if urllib.parse.urlsplit(api).scheme not in ("https", "http"):
        raise GateClosed(f"GITHUB_API_URL {api!r} is not an HTTP(S) URL")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        f"{api}{path}",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - as above
            return json.load(response)
    except (urllib.error.URLError, ValueError) as error:
        raise GateClosed(f"GitHub API {path}: {error}") from error


def check(api: str, token: str, repository: str, actor: str, sha: str, branch: str) -> None:
    """Raises GateClosed with the reason unless the release may deploy prod."""
    quote = urllib.parse.quote
    permission = get(api, f"/repos/{repository}/collaborators/{quote(actor)}/permission", token)
    role = permission.get("role_name")
    if role not in RELEASERS:
        raise GateClosed(
            f"{actor} is {role!r} on {repository}: only {' or '.join(RELEASERS)} may release"
        )
    compare = get(api, f"/repos/{repository}/compare/{quote(branch)}...{quote(sha)}", token)
    if compare.get("status") not in ON_BRANCH:
        raise GateClosed(
            f"{sha} is not on {branch} ({compare.get('status')!r}): release from {branch}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--repository", required=True)
    parser.add_argument("--actor", required=True)
    parser.add_argument("--sha", required=True)
    parser.add_argument("--branch", default="main")
    args = parser.parse_args(argv)
    token = os.environ.get("GITHUB_TOKEN", "")
    api = os.environ.get("GITHUB_API_URL", DEFAULT_API)
    try:
        if not token:
            raise GateClosed("GITHUB_TOKEN is not set")
        check(api, token, args.repository, args.actor, args.sha, args.branch)
    except GateClosed as closed:
        print(f"prod gate closed: {closed}", file=sys.stderr)
        return 1
    print(f"prod gate open: {args.actor} released {args.sha}, which is on {args.branch}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
