#!/usr/bin/env bash
# The stage's AWS role for this job, from the GitHub Actions variable named in $ROLE_VARIABLE
# (its value passed in $ROLE_ARN). Fails closed: an unset variable stops the job with its name,
# never falling back to another stage's role. Writes `arn=...` to $GITHUB_OUTPUT.
set -euo pipefail
: "${ROLE_VARIABLE:?ROLE_VARIABLE must name the GitHub variable that holds the role ARN}"
if [[ -z "${ROLE_ARN:-}" ]]; then
  echo "::error::The GitHub Actions variable ${ROLE_VARIABLE} is not set: set it to the bootstrap stack's output of that name (docs/bootstrap.md). No other stage's role is used instead." >&2
  exit 1
fi
if [[ ! "$ROLE_ARN" =~ ^arn:aws[a-z-]*:iam::[0-9]{12}:role/ ]]; then
  echo "::error::The GitHub Actions variable ${ROLE_VARIABLE} is not an IAM role ARN: ${ROLE_ARN}" >&2
  exit 1
fi
echo "arn=${ROLE_ARN}" >> "${GITHUB_OUTPUT:?}"
